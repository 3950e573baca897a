"""Browser sign-in: a server token once, then an HttpOnly, SameSite=Strict session cookie;
every POST needs the page's CSRF token; a limited token sees only what it may do; read-only
mode hides and refuses every write."""

from __future__ import annotations

from flask.testing import FlaskClient
from ui_client import build_app, csrf_of, sign_in
from ui_world import ADMIN_TOKEN, VIEWER_TOKEN, World

from pagerduty_actions.sandbox import SandboxServer
from pagerduty_actions.ui.session import COOKIE


def test_a_page_without_a_session_sends_the_browser_to_sign_in(client: FlaskClient) -> None:
    answer = client.get("/ui/mappings?state=unmapped")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/ui/sign-in?next=/ui/mappings%3Fstate%3Dunmapped"
    # a bearer token is no way in: the pages know only their session cookie
    again = client.get("/ui/mappings", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert again.status_code == 303


def test_sign_in_sets_a_strict_http_only_cookie_that_does_not_hold_the_token(
    client: FlaskClient,
) -> None:
    page = client.get("/ui/sign-in?next=/ui/sync")
    assert page.status_code == 200
    assert 'type="password"' in page.text
    answer = client.post(
        "/ui/sign-in", data={"token": ADMIN_TOKEN, "csrf": csrf_of(page.text), "next": "/ui/sync"}
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/ui/sync"
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie
    assert ADMIN_TOKEN not in cookie
    assert client.get("/ui/mappings").status_code == 200


def test_a_wrong_token_or_a_forged_form_does_not_sign_in(client: FlaskClient) -> None:
    page = client.get("/ui/sign-in")
    wrong = client.post("/ui/sign-in", data={"token": "nope", "csrf": csrf_of(page.text)})
    assert wrong.status_code == 401
    assert "not one of this server&#39;s tokens" in wrong.text
    forged = client.post("/ui/sign-in", data={"token": ADMIN_TOKEN, "csrf": "x"})
    assert forged.status_code == 401 and "expired or came from elsewhere" in forged.text
    assert client.get("/ui/mappings").status_code == 303


def test_next_never_leaves_the_pages(client: FlaskClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/v2/actions", "/ui//evil"):
        page = client.get("/ui/sign-in")
        answer = client.post(
            "/ui/sign-in",
            data={"token": ADMIN_TOKEN, "csrf": csrf_of(page.text), "next": target},
        )
        assert answer.headers["Location"] == "/ui/mappings"


def test_a_forged_or_tampered_cookie_is_no_session(client: FlaskClient) -> None:
    sign_in(client)
    cookie = client.get_cookie(COOKIE, path="/ui")
    assert cookie is not None
    body, _, mac = cookie.value.partition(".")
    client.set_cookie(COOKIE, body + "." + mac[:-2] + "AA", path="/ui")
    assert client.get("/ui/mappings").status_code == 303


def test_every_post_needs_the_csrf_token(admin: FlaskClient) -> None:
    page = admin.get("/ui/mappings")
    token = csrf_of(page.text)
    missing = admin.post("/ui/mappings/accept", data={"pair": "component:default/billing|PBILLNG"})
    assert missing.status_code == 403 and "CSRF" in missing.text
    wrong = admin.post("/ui/sign-out", data={"csrf": token[:-1] + "x"})
    assert wrong.status_code == 403
    out = admin.post("/ui/sign-out", data={"csrf": token})
    assert out.status_code == 303
    assert admin.get("/ui/mappings").status_code == 303  # the cookie is gone


def test_a_limited_token_sees_only_what_it_may_do(client: FlaskClient) -> None:
    sign_in(client, VIEWER_TOKEN)  # may run the sync action only
    page = client.get("/ui/mappings")
    assert page.status_code == 200
    assert 'name="pair"' not in page.text and 'id="accept"' not in page.text
    token = csrf_of(page.text)
    refused = client.post(
        "/ui/mappings/accept",
        data={"csrf": token, "pair": "component:default/billing|PBILLNG"},
    )
    assert refused.status_code == 403
    assert "pagerduty:entity:annotate" in refused.text


def test_read_only_hides_and_refuses_writes(
    pd: SandboxServer, world: World, sqlite_url: str
) -> None:
    app = build_app(pd, world, sqlite_url, entityPage={"readOnly": True})
    client = app.test_client()
    sign_in(client)
    page = client.get("/ui/mappings")
    assert "Read-only" in page.text
    assert 'name="pair"' not in page.text and 'id="accept"' not in page.text
    refused = client.post(
        "/ui/mappings/accept",
        data={"csrf": csrf_of(page.text), "pair": "component:default/billing|PBILLNG"},
    )
    assert refused.status_code == 403 and "read-only" in refused.text
    assert world.branches("shop") == ["main"]
    app.extensions["pagerduty_actions"].services.close()


def test_pages_send_no_script_and_are_not_cached(admin: FlaskClient) -> None:
    page = admin.get("/ui/mappings")
    assert page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.text
