"""Backstage's own template filters, and the complete filter table the engine installs.

``parseRepoUrl``, ``parseEntityRef``, ``pick`` and ``projectSlug`` are what the scaffolder
adds to Nunjucks; templates use them on the output of ``RepoUrlPicker`` and
``OwnerPicker``. They are small local implementations of Backstage's behaviour (the URL
picker's ``host?owner=…&repo=…`` form, ``[kind:][namespace/]name`` references), so this
package depends on nothing else of ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pagerduty_actions.template_engine.errors import TemplateRenderError
from pagerduty_actions.template_engine.jsmethods import member
from pagerduty_actions.template_engine.jsvalues import (
    UNDEFINED,
    is_nullish,
    is_undefined,
    to_json_data,
    to_string,
)
from pagerduty_actions.template_engine.nunjucks_filters import NUNJUCKS_FILTERS

Filter = Callable[..., Any]

#: Hosts Backstage knows without any ``integrations`` config, and their integration type.
DEFAULT_INTEGRATIONS: Mapping[str, str] = {
    "github.com": "github",
    "gitlab.com": "gitlab",
    "bitbucket.org": "bitbucket",
    "dev.azure.com": "azure",
}

_REPO_PARAMS = ("owner", "organization", "workspace", "project", "repo")
_REQUIRED_BY_TYPE: Mapping[str, tuple[str, ...]] = {
    "bitbucket": ("project", "repo"),
    "bitbucketServer": ("project", "repo"),
    "azure": ("project", "repo"),
    "gitea": ("repo",),
    "gerrit": ("repo",),
}


def parse_repo_url(repo_url: Any, integrations: Mapping[str, str]) -> dict[str, str]:
    """Backstage ``parseRepoUrl``: ``github.com?owner=o&repo=r`` → ``{host, owner, repo}``."""
    text = to_string(repo_url)
    try:
        parts = urlsplit(f"https://{text}")
        host = parts.hostname or ""
        port = parts.port
    except ValueError as exc:
        raise TemplateRenderError("parseRepoUrl: invalid repo URL") from exc
    if not host:
        raise TemplateRenderError("parseRepoUrl: invalid repo URL (expected host?owner=…&repo=…)")
    if port is not None and port != 443:
        host = f"{host}:{port}"
    kind = integrations.get(host)
    if kind is None:
        raise TemplateRenderError(
            f"parseRepoUrl: no matching integration configuration for host {host}"
        )
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(name, value)
    found = {name: query[name].strip("/") for name in _REPO_PARAMS if name in query}
    if kind == "bitbucket" and host == "www.bitbucket.org":
        _require(query, ("workspace",))
    if kind == "gitlab":
        if not found.get("project"):
            _require(query, ("owner", "repo"))
    else:
        _require(query, _REQUIRED_BY_TYPE.get(kind, ("repo", "owner")))
    result = {"host": host}
    for name in ("owner", "repo", "organization", "workspace", "project"):
        if name in found:
            result[name] = found[name]
    return result


def _require(query: Mapping[str, str], names: tuple[str, ...]) -> None:
    for name in names:
        if not query.get(name):
            raise TemplateRenderError(f"parseRepoUrl: invalid repo URL, missing {name}")


def _parse_ref_string(ref: str) -> tuple[str | None, str | None, str]:
    colon = ref.find(":")
    slash = ref.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = None if colon == -1 else ref[:colon]
    namespace = None if slash == -1 else ref[colon + 1 : slash]
    name = ref[max(colon + 1, slash + 1) :]
    if kind == "" or namespace == "" or name == "":
        raise TemplateRenderError(
            "parseEntityRef: entity reference was not on the form [<kind>:][<namespace>/]<name>"
        )
    return kind, namespace, name


def parse_entity_ref(ref: Any, options: Any = UNDEFINED) -> dict[str, str]:
    """Backstage ``parseEntityRef``: ``group:team-a`` → ``{kind, namespace: default, name}``."""
    if not ref or is_nullish(ref):
        raise TemplateRenderError("parseEntityRef: entity reference must not be empty")
    context = options if isinstance(options, dict) else {}
    default_kind = context.get("defaultKind")
    default_namespace = context.get("defaultNamespace") or "default"
    kind: Any
    namespace: Any
    name: Any
    if isinstance(ref, str):
        kind, namespace, name = _parse_ref_string(ref)
    elif isinstance(ref, dict):
        kind, namespace, name = ref.get("kind"), ref.get("namespace"), ref.get("name")
    else:
        raise TemplateRenderError("parseEntityRef: expects a string or an object")
    kind = kind if kind is not None else default_kind
    namespace = namespace if namespace is not None else default_namespace
    for field, value in (("kind", kind), ("namespace", namespace), ("name", name)):
        if not isinstance(value, str) or value == "":
            raise TemplateRenderError(
                f"parseEntityRef: entity reference had missing or empty {field}"
            )
    return {"kind": str(kind), "namespace": str(namespace), "name": str(name)}


_PATH_PART = re.compile(r"[^.\[\]]+")


def pick(value: Any, path: Any = UNDEFINED) -> Any:
    """Backstage ``pick`` (lodash ``get``): ``obj | pick('metadata.name')``."""
    current = value
    for part in _PATH_PART.findall(to_string(path)):
        part = part.strip("'\"")
        current = member(current, part)
        if is_undefined(current):
            break
    if is_undefined(current):
        raise TemplateRenderError("pick: the path does not exist in the value")
    return current


def build_filters(integrations: Mapping[str, str] | None = None) -> dict[str, Filter]:
    """Every filter a Backstage template can use: Nunjucks' built-ins plus Backstage's."""
    hosts = dict(DEFAULT_INTEGRATIONS if integrations is None else integrations)

    def parse_repo_url_filter(url: Any) -> dict[str, str]:
        return parse_repo_url(url, hosts)

    def project_slug_filter(url: Any) -> str:
        parsed = parse_repo_url(url, hosts)
        return f"{parsed.get('owner', 'undefined')}/{parsed['repo']}"

    def entity_ref_filter(ref: Any, options: Any = UNDEFINED) -> dict[str, str]:
        return parse_entity_ref(to_json_data(ref), to_json_data(options))

    filters = dict(NUNJUCKS_FILTERS)
    filters.update(
        {
            "parseRepoUrl": parse_repo_url_filter,
            "parseEntityRef": entity_ref_filter,
            "pick": pick,
            "projectSlug": project_slug_filter,
        }
    )
    return filters
