"""``/ui/graph``: a component's neighbourhood on both sides, edges as the next run treats
them, drawn as SVG on the server (no script)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from pagerduty_actions.admin.graph import GraphEdge, GraphNode, GraphSide
from pagerduty_actions.admin.svg import render


def kinds(html: str, side_id: str) -> dict[str, str]:
    svg = html[html.index(f'id="{side_id}"') :]
    svg = svg[: svg.index("</svg>")]
    return dict(
        (edge.replace("&gt;", ">"), kind)
        for kind, edge in re.findall(r'class="edge edge-(\w+)" data-edge="([^"]+)"', svg)
    )


def test_backstage_strategy_removes_what_the_catalog_lacks_and_keeps_the_unmanaged(
    admin: FlaskClient,
) -> None:
    html = admin.get("/ui/graph?entity=checkout&strategy=backstage").text
    assert "<svg" in html and "<script" not in html
    pagerduty = kinds(html, "pagerduty-graph")
    # checkout -> search: both mapped, not in the catalog: removed; -> orphan: unmapped, kept
    assert pagerduty == {"PCHKOUT>PSEARCH": "removed", "PCHKOUT>PORPHAN": "kept"}
    catalog = kinds(html, "catalog-graph")
    # checkout dependsOn inventory, which is not mapped: kept as written
    assert catalog == {"component:default/checkout>component:default/inventory": "kept"}


def test_both_strategy_adds_to_the_catalog_what_pagerduty_has(admin: FlaskClient) -> None:
    html = admin.get("/ui/graph?entity=component:default/checkout&strategy=both").text
    assert kinds(html, "pagerduty-graph")["PCHKOUT>PSEARCH"] == "same"
    catalog = kinds(html, "catalog-graph")
    assert catalog["component:default/checkout>component:default/search"] == "added"


def test_a_team_and_an_unknown_component(admin: FlaskClient) -> None:
    team = admin.get("/ui/graph?team=team-shop&strategy=backstage").text
    assert 'data-node="component:default/checkout"' in team
    unknown = admin.get("/ui/graph?entity=nope")
    assert unknown.status_code == 200 and "No component named nope" in unknown.text
    assert admin.get("/ui/graph?entity=checkout&strategy=bogus").status_code == 400


def test_svg_escapes_names_and_marks_kinds_by_line_style() -> None:
    side = GraphSide(
        [GraphNode("a<b>", "a<b>", 0), GraphNode("c", "c", 1)],
        [GraphEdge("a<b>", "c", "removed", 'why "so"')],
    )
    svg = render(side, "t", "g")
    assert "<b>" not in svg and "a&lt;b&gt;" in svg
    assert 'stroke-dasharray="8 5"' in svg
