"""A sync against the built-in PagerDuty sandbox does not deliver to a hosted git repository.

Without PagerDuty credentials PagerDuty is the built-in sandbox: its services and dependencies
exist nowhere else. Git is never simulated, so a ``pagerduty`` or ``both`` run would push real
commits and open real pull requests on GitHub or GitLab rewriting ``spec.dependsOn`` from that
invented data. Such a run is refused after planning and before anything is written (PagerDuty
included), unless allowed: ``--allow-real-git`` on ``pagerduty-actions sync`` (and on
``template run``, for a sync step), or ``sync.allowRealGit: true`` in the config for the server
and its schedule. Local repositories (``integrations.local``) and catalog files edited in place
are always fine; a dry run writes nothing and is never refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..scm import parse_repo_url
from ..scm.errors import ScmError
from ..services import Services
from .model import BackstageChange

ALLOW_REAL_GIT_FLAG = "--allow-real-git"
ALLOW_REAL_GIT_KEY = "allowRealGit"  # in the config's sync section


def allowed_by_config(services: Services) -> bool:
    return services.config.section("sync").get(ALLOW_REAL_GIT_KEY) is True


def hosted_repositories(services: Services, changes: Sequence[BackstageChange]) -> list[str]:
    """The hosted (not local) repositories ``changes`` would be delivered to, as messages name
    them; a repository URL that does not parse is left to the delivery, which says why."""
    integrations = services.config.section("integrations")
    hosted = set()
    for change in changes:
        location = change.location
        if location is None or not location.repo_url:
            continue  # no catalog file, or one edited in place
        try:
            repository = parse_repo_url(location.group_key, integrations)
        except ScmError:
            continue
        if repository.kind != "local":
            hosted.add(repository.display)
    return sorted(hosted)


def check_real_git(
    services: Services, changes: Sequence[BackstageChange], *, allowed: bool
) -> None:
    """Raise (400) when a run against the sandbox would write to a hosted repository."""
    if allowed or not services.sandbox_mode or allowed_by_config(services):
        return
    hosted = hosted_repositories(services, changes)
    if not hosted:
        return
    shown = ", ".join(hosted[:5]) + (f" and {len(hosted) - 5} more" if len(hosted) > 5 else "")
    raise InputError(
        "refused to sync against the built-in PagerDuty sandbox (no PagerDuty credentials are "
        f"configured): it would push commits or open pull requests on real git hosts ({shown}) "
        "with spec.dependsOn taken from sandbox data. Nothing was written. Configure PagerDuty, "
        "keep the catalog in local repositories or plain files, run with --dry-run to see the "
        f"plan, or allow it: {ALLOW_REAL_GIT_FLAG} (pagerduty-actions sync, template run) or "
        f"sync.{ALLOW_REAL_GIT_KEY}: true in the config (the server)"
    )
