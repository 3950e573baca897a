"""The sandbox's admin API (``/_sandbox/...``) is documented route by route in
docs/sandbox.md (linked from the README), and refuses malformed values with a 400."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from pagerduty_actions.sandbox import SandboxServer, create_sandbox_app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "sandbox.md"


def admin_routes() -> list[str]:
    app = create_sandbox_app()
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/_sandbox"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        found += [f"{m} {path}" for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found)


def test_every_admin_route_is_documented() -> None:
    routes = admin_routes()
    assert len(routes) >= 13
    text = DOC.read_text(encoding="utf-8")
    missing = [r for r in routes if f"`{r}" not in text]
    assert missing == [], f"docs/sandbox.md does not document {missing}"


def test_the_readme_links_the_sandbox_doc() -> None:
    assert "(docs/sandbox.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_bad_admin_values_are_refused_and_change_nothing(pd: SandboxServer) -> None:
    with httpx.Client(base_url=pd.base_url, timeout=10) as admin:
        before = admin.put("/_sandbox/settings", json={}).json()
        for body in (
            {"max_dependencies_per_service": "many"},
            {"max_dependencies_per_service": -1},
            {"max_dependencies_per_service": [2]},
        ):
            refused = admin.put("/_sandbox/settings", json=body)
            assert refused.status_code == 400, refused.text
            assert "max_dependencies_per_service" in refused.json()["error"]
        assert admin.put("/_sandbox/settings", json={}).json() == before
        abilities = sorted(pd.state.accounts["default"].abilities)
        for body in ({"abilities": 3}, {"abilities": "teams"}, {"abilities": [1]}):
            refused = admin.put("/_sandbox/accounts/default/abilities", json=body)
            assert refused.status_code == 400, refused.text
        assert sorted(pd.state.accounts["default"].abilities) == abilities
        assert admin.put(
            "/_sandbox/accounts/default/abilities", json={"abilities": ["teams"]}
        ).json() == {"abilities": ["teams"]}
