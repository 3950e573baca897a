"""The pages under /ui are HTML for people, not API: they are left out of /openapi.json on
purpose. This test keeps that exclusion narrow: every route of the app is either in the
document or under /ui, and every /ui route answers HTML (never JSON an API client could
mistake for an undocumented endpoint)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from ui_client import sign_in
from ui_world import ADMIN_TOKEN, World

PAGE_PREFIX = "/ui"


def test_every_route_is_documented_or_an_html_page(app: Flask, admin: FlaskClient) -> None:
    document = admin.get("/openapi.json", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json
    adapter = app.url_map.bind("localhost")
    documented: set[str] = set()
    for path, item in document["paths"].items():
        for method in set(item) & {"get", "put", "post", "delete", "patch"}:
            rule, _ = adapter.match(path, method.upper(), return_rule=True)
            documented.add(rule.rule)
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.rule == "/static/<path:filename>":
            continue  # Flask's own, serving nothing (the app has no static folder)
        if rule.rule.startswith(f"{PAGE_PREFIX}/"):
            pages.append(rule)
            continue
        assert rule.rule in documented, f"{rule.rule} is neither documented nor a page"
    assert not any(p.startswith(PAGE_PREFIX) for p in document["paths"])
    checked = 0
    for rule in pages:
        if rule.arguments:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            answer = admin.open(rule.rule, method=method)
            kind = answer.headers.get("Content-Type", "")
            assert kind.startswith(("text/html", "text/css")), f"{method} {rule.rule}: {kind}"
            checked += 1
    assert checked >= 8


HOSTILE_BODIES = (
    b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    b'{"name": ' + b"7" * 5000 + b"}",
    b'{"name": "web\\ud800"}',
    b'{"name": NaN}',
    b"\xff\xfe not even text",
)


def test_the_forms_take_no_json_and_hostile_bodies_change_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """The JSON-body guarantees of the API (tests/foundation/test_hostile_bodies.py) do not
    apply to these HTML forms; what does: any such body, signed in or not, is a 4xx page and
    changes nothing."""
    posts = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{PAGE_PREFIX}/") and "POST" in (rule.methods or set())
    ]
    assert len(posts) >= 5
    for signed_in in (False, True):
        if signed_in:
            sign_in(client)
        for path in posts:
            for body in HOSTILE_BODIES:
                answer = client.post(path, data=body, content_type="application/json")
                assert 400 <= answer.status_code < 500, (path, answer.status_code)
                assert answer.headers["Content-Type"].startswith("text/html"), path
    assert world.branches("shop") == ["main"]
    assert '<strong id="strategy">disabled</strong>' in client.get("/ui/sync").text
