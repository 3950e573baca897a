"""Bodies that broke the JSON parsing of every route (500s) are 400s naming the field.

The routes are read from the app's own url_map, so a JSON route added later is covered
without touching this file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pagerduty_actions.server.json_body import MAX_DEPTH, MAX_DIGITS
from pagerduty_actions.store.settings import MappingStore

Auth = Callable[..., dict[str, str]]
# A value for each URL argument of a JSON route, chosen so the route reaches its body.
URL_ARGUMENTS = {
    "action_id": "test:echo",
    "setting_id": "dependency-sync-strategy",
    "entity_ref": "component:default/web",
}
HOSTILE = {
    "nested 1,000 levels": b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    "nested one level too deep": b'{"name": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}",
    "a 5,000-digit integer": b'{"name": ' + b"7" * 5000 + b"}",
    "a lone surrogate escape": b'{"name": "web\\ud800"}',
    "a lone surrogate in UTF-8 bytes": b'{"name": "web\xed\xa0\x80"}',
    "NaN": b'{"name": NaN}',
    "a number too large for a float": b'{"name": 1e400}',
}


def json_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every route taking a JSON body, its URL arguments filled in. The
    admin pages' forms under /ui take no JSON (tests/ui/test_routes.py sends them these same
    bodies: a 4xx page, nothing changed)."""
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/pagerduty/"):
            continue  # PagerDuty's backend routes answer its own error shape: tests/entity_page
        if rule.rule.startswith("/ui/"):
            continue  # HTML forms, not JSON: tests/ui sends them the same bodies
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            values = {name: URL_ARGUMENTS[name] for name in rule.arguments}
            routes.append((method, adapter.build(rule.endpoint, values, method=method)))
    return routes


def test_the_json_routes_are_all_found(app: Flask) -> None:
    paths = {path for _, path in json_routes(app)}
    assert {"/v2/actions/test:echo", "/v2/sync", "/v2/dry-run", "/v2/lint"} <= paths
    assert "/v2/settings/dependency-sync-strategy" in paths
    assert any(path.startswith("/v2/mappings/") for path in paths)


@pytest.mark.parametrize("shape", list(HOSTILE))
def test_hostile_json_is_a_400_naming_the_field_on_every_route(
    app: Flask, client: FlaskClient, auth: Auth, shape: str
) -> None:
    for method, path in json_routes(app):
        response = client.open(
            path,
            method=method,
            data=HOSTILE[shape],
            headers=auth(**{"Content-Type": "application/json"}),
        )
        where = f"{method} {path} with {shape}"
        assert response.status_code == 400, f"{where}: {response.status_code} {response.json}"
        if "error" not in response.json:  # /pagerduty-api's trigger: the Events API's shape
            assert response.json["status"] == "invalid event", where
            assert response.json["errors"][0].startswith("$.name"), where
            assert response.json["message"].startswith("$.name"), where
            continue
        error = response.json["error"]
        assert error["name"] == "InputError", where
        assert error["details"][0]["path"].startswith("$.name"), where
        assert error["message"].startswith("$.name"), where


def test_each_refusal_says_what_is_wrong(client: FlaskClient, auth: Auth) -> None:
    def message(body: bytes) -> Any:
        response = client.post(
            "/v2/actions/test:echo",
            data=body,
            headers=auth(**{"Content-Type": "application/json"}),
        )
        assert response.status_code == 400
        return response.json["error"]["details"][0]

    deep = message(b'{"message": {"a": [1, ' + b"[" * 1000 + b"]" * 1000 + b"]}}")
    assert deep["path"].startswith("$.message.a[1][0][0]")
    assert f"nested more than {MAX_DEPTH} levels" in deep["message"]
    assert message(b'{"tags": [1, -' + b"9" * 40 + b"]}") == {
        "path": "$.tags[1]",
        "message": f"a number of 40 digits; numbers may have at most {MAX_DIGITS} digits "
        "(send a long id as a string)",
    }
    surrogate = message(b'{"message": "ok", "tags": {"x\\udfff": "y"}}')
    assert surrogate["path"] == "$.tags.x\\udfff"
    assert surrogate["message"].startswith("the key holds a lone UTF-16 surrogate")


def test_what_is_within_the_limits_still_parses(client: FlaskClient, auth: Auth) -> None:
    nested: Any = "hi"
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    body = {"message": "a [[[ {{{ \\ud800 \u00e9 \U0001f600", "count": 10 ** (MAX_DIGITS - 1)}
    response = client.post(
        "/v2/actions/test:echo",
        json={**body, "tags": nested},
        headers=auth(),
    )
    # Parsed, then refused by the action's own schema (count > 10, tags not strings): the
    # body itself was accepted.
    assert response.status_code == 400
    paths = {d["path"] for d in response.json["error"]["details"]}
    assert paths == {"$.count", "$.tags[0]"}
    ok = client.post(
        "/v2/actions/test:echo",
        json={"message": "emoji \U0001f600 and [brackets{ in a string"},
        headers=auth(),
    )
    assert ok.status_code == 200


def test_a_mapping_account_must_be_a_configured_account(
    make_app: Callable[..., Flask], sqlite_url: str, auth: Auth, tmp_path: Path
) -> None:
    accounts = [
        {"id": "us", "apiToken": "token-us-0123456789", "isDefault": True},
        {"id": "eu", "apiToken": "token-eu-0123456789"},
    ]
    catalog = tmp_path / "web.yaml"
    catalog.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\n"
    )
    app = make_app(sqlite_url, pagerDuty={"accounts": accounts}, catalog={"files": [str(catalog)]})
    client = app.test_client()
    store = MappingStore(app.extensions["pagerduty_actions"].services.db)
    path = "/v2/mappings/component:default/web"
    for account, sent in [({"id": "eu"}, "an object"), ("apac", "'apac'"), (7, "a number")]:
        body = {"serviceId": "PABC123", "account": account}
        response = client.put(path, json=body, headers=auth())
        assert response.status_code == 400, account
        detail = response.json["error"]["details"][0]
        assert detail["path"] == "$.account"
        assert detail["message"] == (
            f"must be the id of a configured PagerDuty account (eu, us) or null, not {sent}"
        )
    assert store.overrides() == {}  # a refused mapping changes nothing
    for account in ["eu", None]:  # null: explicitly unmapped, so no service to look up
        body = {"serviceId": None, "account": account}
        response = client.put(path, json=body, headers=auth())
        assert response.status_code == 200, response.json
    assert store.overrides() == {"component:default/web": None}


def test_a_mapping_service_id_longer_than_an_id_is_refused(
    make_app: Callable[..., Flask], database_url: str, auth: Auth
) -> None:
    """PostgreSQL refused the 60-character value (a 500); SQLite stored it."""
    app = make_app(database_url)
    response = app.test_client().put(
        "/v2/mappings/component:default/web", json={"serviceId": "P" * 60}, headers=auth()
    )
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["path"] == "$.serviceId"
    assert MappingStore(app.extensions["pagerduty_actions"].services.db).overrides() == {}
