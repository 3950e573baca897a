"""Backstage's filters on the URL and reference shapes its pickers produce."""

from __future__ import annotations

from typing import Any

import pytest

from pagerduty_actions.template_engine import TemplateRenderer, TemplateRenderError
from pagerduty_actions.template_engine.filters import DEFAULT_INTEGRATIONS as HOSTS
from pagerduty_actions.template_engine.filters import parse_entity_ref, parse_repo_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("github.com?owner=acme&repo=svc", {"host": "github.com", "owner": "acme", "repo": "svc"}),
        (
            "github.com?repo=svc&owner=acme&organization=org",
            {"host": "github.com", "owner": "acme", "repo": "svc", "organization": "org"},
        ),
        (
            "gitlab.com?owner=group%2Fsub&repo=svc",
            {"host": "gitlab.com", "owner": "group/sub", "repo": "svc"},
        ),
        ("gitlab.com?project=42", {"host": "gitlab.com", "project": "42"}),
        (
            "bitbucket.org?workspace=ws&project=PRJ&repo=svc",
            {"host": "bitbucket.org", "repo": "svc", "workspace": "ws", "project": "PRJ"},
        ),
        (
            "dev.azure.com?organization=org&project=p&repo=r",
            {"host": "dev.azure.com", "repo": "r", "organization": "org", "project": "p"},
        ),
        (
            "github.com?owner=/acme/&repo=svc/",
            {"host": "github.com", "owner": "acme", "repo": "svc"},
        ),
    ],
)
def test_parse_repo_url(url: str, expected: dict[str, str]) -> None:
    assert parse_repo_url(url, HOSTS) == expected


@pytest.mark.parametrize(
    "url",
    [
        "github.com?repo=svc",  # github needs owner
        "gitlab.com?repo=svc",  # gitlab needs owner+repo or project
        "dev.azure.com?repo=r",  # azure needs project
        "unknown.example?owner=a&repo=b",  # no integration for the host
        "?owner=a&repo=b",  # no host
    ],
)
def test_parse_repo_url_rejects(url: str) -> None:
    with pytest.raises(TemplateRenderError):
        parse_repo_url(url, HOSTS)


def test_configured_integrations(context: dict[str, Any]) -> None:
    renderer = TemplateRenderer(integrations={"ghe.example.com": "github"})
    rendered = renderer.render_value(
        "${{ 'ghe.example.com?owner=o&repo=r' | projectSlug }}", context
    )
    assert rendered == "o/r"
    with pytest.raises(TemplateRenderError):
        renderer.render_value("${{ 'github.com?owner=o&repo=r' | projectSlug }}", context)


@pytest.mark.parametrize(
    ("ref", "options", "expected"),
    [
        ("component:default/svc", None, ("component", "default", "svc")),
        ("Group:Ops/Team-A", None, ("Group", "Ops", "Team-A")),
        ("team-a", {"defaultKind": "group"}, ("group", "default", "team-a")),
        ("ns/team-a", {"defaultKind": "group"}, ("group", "ns", "team-a")),
        ("a/b:c", {"defaultKind": "k"}, ("k", "a", "b:c")),
        ({"kind": "user", "name": "alice"}, None, ("user", "default", "alice")),
    ],
)
def test_parse_entity_ref(ref: Any, options: Any, expected: tuple[str, str, str]) -> None:
    parsed = parse_entity_ref(ref, options)
    assert (parsed["kind"], parsed["namespace"], parsed["name"]) == expected


@pytest.mark.parametrize("ref", ["", "team-a", "group:", ":x", "group:/x"])
def test_parse_entity_ref_rejects(ref: str) -> None:
    with pytest.raises(TemplateRenderError):
        parse_entity_ref(ref)


def test_pick_follows_dotted_and_indexed_paths(
    renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    assert (
        renderer.render_value("${{ steps.fetch | pick('output.body.output.serviceId') }}", context)
        == "PSVC2"
    )
    assert renderer.render_value("${{ parameters | pick('tags[1]') }}", context) == "payments"


def test_filter_set_matches_nunjucks_plus_backstage(renderer: TemplateRenderer) -> None:
    names = renderer.filter_names
    assert {"parseRepoUrl", "parseEntityRef", "pick", "projectSlug", "dump", "truncate"} <= names
    assert "tojson" not in names and "random" not in names and "map" not in names


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${{ 'x' | center(5) }}", "  x  "),
        ("${{ '  hi  ' | trim }}", "hi"),
        ("${{ 'a<b>' | escape }}", "a&lt;b&gt;"),
        ("${{ '<p>a  b</p>' | striptags }}", "a b"),
        ("${{ 'a\\nb' | nl2br }}", "a<br />\nb"),
        ("${{ 3.14159 | round(2) }}", 3.14),
        ("${{ 3.1 | round(0, 'ceil') }}", 4),
        ("${{ 'x1.5y' | float }}", None),  # NaN gives the default: undefined
        ("${{ '1.5y' | float }}", 1.5),
        ("${{ 'abc' | int(7) }}", 7),
        ("${{ {b: 1, a: 2} | dictsort }}", [["a", 2], ["b", 1]]),
        ("${{ 'ab' | list }}", ["a", "b"]),
        ("${{ [1, 2, 3, 4, 5] | slice(2) }}", [[1, 2, 3], [4, 5]]),
        ("${{ [{n: 'b'}, {n: 'a'}] | sort(false, false, 'n') | first | pick('n') }}", "a"),
        ("${{ [{ok: true}, {ok: false}] | selectattr('ok') | length }}", 1),
        ("${{ [1, 2, 3, 4] | reject('odd') }}", [2, 4]),
        ("${{ {a: 'x y', b: 1} | urlencode }}", "a=x%20y&b=1"),
        ("${{ parameters.tags | last }}", "payments"),
        ("${{ 'Hello' | lower }}", "hello"),
        ("${{ parameters.missing | d('dflt') }}", "dflt"),
    ],
)
def test_nunjucks_filters(
    template: str, expected: Any, renderer: TemplateRenderer, context: dict[str, Any]
) -> None:
    rendered = renderer.render_value({"v": template}, context)
    assert rendered == ({} if expected is None else {"v": expected})
