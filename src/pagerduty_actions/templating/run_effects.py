"""What a template run made, and where: real (a git host, PagerDuty) or only in the sandbox.

Without PagerDuty credentials our PagerDuty actions run against the built-in sandbox, but git
is never simulated: ``pagerduty:entity:annotate`` pushes a real commit (and opens a real pull
request on GitHub or GitLab), and the sync delivers real ones. A report that said "nothing
real was created" after such a run would be wrong, so each step of ours is read here for what
it made, and the report lists it as real or sandbox.

The same knowledge guards delivery: a run against the sandbox refuses to push a sandbox service
id to a hosted git repository (a pull request naming a service that does not exist) unless
the caller allows it; local repositories (``integrations.local``) are always fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pagerduty_actions.catalog import annotation_keys
from pagerduty_actions.scm import parse_repo_url
from pagerduty_actions.scm.errors import ScmError
from pagerduty_actions.scm.repo_url import RepoLocation
from pagerduty_actions.templating.known_actions import ALLOW_REAL_GIT_FLAG

SERVICE_CREATE = "pagerduty:service:create"
ENTITY_ANNOTATE = "pagerduty:entity:annotate"
DEPENDENCIES_SYNC = "pagerduty:dependencies:sync"


class SandboxDeliveryRefused(Exception):
    """A sandbox service id would reach a hosted git repository; the message says what to do."""


@dataclass(frozen=True)
class Effect:
    """One thing a step made: a PagerDuty object, a commit, a pull request."""

    step_id: str | None
    what: str
    sandbox: bool
    id: str | None = None
    url: str | None = None
    repository: str | None = None
    branch: str | None = None
    local: bool = False
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stepId": self.step_id, "what": self.what, "sandbox": self.sandbox}
        for key, value in (
            ("id", self.id),
            ("url", self.url),
            ("repository", self.repository),
            ("branch", self.branch),
            ("note", self.note),
        ):
            if value is not None:
                out[key] = value
        if self.repository is not None:
            out["local"] = self.local
        return out

    def text(self) -> str:
        """One line: ``sandbox  PagerDuty service P1 http://...  (step pagerduty)``."""
        parts = [self.what]
        if self.id:
            parts.append(self.id)
        if self.branch:
            parts.append(f"on {self.branch}")
        if self.repository:
            parts.append(f"in {self.repository}" + (" (local repository)" if self.local else ""))
        if self.url:
            parts.append(self.url)
        where = f"step {self.step_id}" if self.step_id else "a step without id"
        if self.note:
            where += f"; {self.note}"
        return f"{'sandbox' if self.sandbox else 'real':<8} {' '.join(parts)}  ({where})"


def effects_of(
    action: str,
    params: Mapping[str, Any],
    output: Mapping[str, Any],
    *,
    step_id: str | None,
    sandbox: bool,
    integrations: Mapping[str, Any],
) -> list[Effect]:
    """What a finished, not-dry run of one of our actions made, read from its output."""
    if action == SERVICE_CREATE:
        return _service(output, step_id, sandbox)
    if action == ENTITY_ANNOTATE:
        location = _location(params.get("repoUrl"), integrations)
        return _annotate(params, output, location, step_id, sandbox)
    if action == DEPENDENCIES_SYNC:
        return _sync(output, step_id, sandbox)
    return []


def check_delivery(
    action: str, params: Mapping[str, Any], *, sandbox: bool, integrations: Mapping[str, Any]
) -> None:
    """Refuse to push a sandbox service id (or key) to a hosted repository.

    Only an annotate step writing ids, run against the sandbox, to a repository that is not
    local; a ``repoUrl`` that does not parse is left to the action, which says why.
    """
    if action != ENTITY_ANNOTATE or not sandbox:
        return
    annotations = params.get("annotations")
    if not isinstance(annotations, Mapping) or annotations.get("remove") is True:
        return
    if not (annotations.get("serviceId") or annotations.get("integrationKey")):
        return
    location = _location(params.get("repoUrl"), integrations)
    if location is None or location.kind == "local":
        return
    service = annotations.get("serviceId")
    named = f"sandbox service {service}" if isinstance(service, str) else "a sandbox service"
    by_pull_request = params.get("delivery", "pull-request") == "pull-request"
    kind = "a pull request" if by_pull_request else "a commit"
    raise SandboxDeliveryRefused(
        f"refused to push to {location.display}, a real git host: {kind} naming {named}, "
        "which exists only in the built-in PagerDuty sandbox (no PagerDuty credentials are "
        "configured). Nothing was pushed. Use a local repository (repoUrl: ${BARE_GIT_REMOTE} "
        f"in the values, or a path under integrations.local), configure PagerDuty, or pass "
        f"{ALLOW_REAL_GIT_FLAG} to push it anyway"
    )


# -- per action -------------------------------------------------------------------------------


def _service(output: Mapping[str, Any], step_id: str | None, sandbox: bool) -> list[Effect]:
    service_id = output.get("serviceId")
    if not isinstance(service_id, str):
        return []
    what = "PagerDuty service" if output.get("created") else "PagerDuty service (reused)"
    url = output.get("serviceUrl")
    return [
        Effect(step_id, what, sandbox, id=service_id, url=url if isinstance(url, str) else None)
    ]


def _annotate(
    params: Mapping[str, Any],
    output: Mapping[str, Any],
    location: RepoLocation | None,
    step_id: str | None,
    sandbox: bool,
) -> list[Effect]:
    if not output.get("changed"):
        return []
    repository = location.display if location is not None else str(params.get("repoUrl"))
    local = location is not None and location.kind == "local"
    service = (output.get("annotations") or {}).get(annotation_keys.SERVICE_ID)
    note = f"names sandbox service {service}" if sandbox and service else None
    effects: list[Effect] = []
    sha = output.get("commitSha")
    if isinstance(sha, str):
        effects.append(
            Effect(step_id, "commit", False, id=sha, repository=repository,
                   branch=_str(output.get("branch")), local=local, note=note)
        )  # fmt: skip
    pull_request = output.get("pullRequestUrl")
    if isinstance(pull_request, str):
        effects.append(Effect(step_id, "pull request", False, url=pull_request, note=note))
    return effects


def _sync(output: Mapping[str, Any], step_id: str | None, sandbox: bool) -> list[Effect]:
    effects: list[Effect] = []
    applied = output.get("applied")
    applied = applied if isinstance(applied, list) else []
    changed = [c for c in applied if isinstance(c, Mapping) and c.get("side") == "pagerduty"]
    if changed:
        effects.append(Effect(step_id, f"{len(changed)} PagerDuty dependency change(s)", sandbox))
    deliveries = output.get("deliveries")
    for delivery in deliveries if isinstance(deliveries, list) else []:
        if not isinstance(delivery, Mapping) or not delivery.get("changed"):
            continue
        if delivery.get("mode") == "in-place":
            target = _str(delivery.get("target"))
            effects.append(
                Effect(step_id, "catalog file edited", False, repository=target, local=True)
            )
            continue
        if isinstance(delivery.get("commitSha"), str):
            effects.append(
                Effect(step_id, "commit", False, id=delivery["commitSha"],
                       repository=_str(delivery.get("repository")),
                       branch=_str(delivery.get("branch")))
            )  # fmt: skip
        if isinstance(delivery.get("pullRequestUrl"), str):
            effects.append(Effect(step_id, "pull request", False, url=delivery["pullRequestUrl"]))
    return effects


def _location(repo_url: Any, integrations: Mapping[str, Any]) -> RepoLocation | None:
    if not isinstance(repo_url, str):
        return None
    try:
        return parse_repo_url(repo_url, integrations)
    except ScmError:
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
