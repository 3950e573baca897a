"""The HTTP API: shapes, status codes and every bad-input path of the foundation issue."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

Auth = Callable[..., dict[str, str]]


def run(client: FlaskClient, auth: Auth, body: object, action: str = "test:echo", **kw: str):
    return client.post(f"/v2/actions/{action}", json=body, headers=auth(**kw))


def test_health_and_ready_need_no_token(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok"}


def test_list_actions_has_backstage_shape(client: FlaskClient, auth: Auth) -> None:
    response = client.get("/v2/actions", headers=auth())
    assert response.status_code == 200
    by_id = {a["id"]: a for a in response.json}
    echo = by_id["test:echo"]
    assert set(echo) >= {"id", "description", "examples", "schema"}
    assert echo["schema"]["input"]["required"] == ["message"]
    assert echo["examples"][0]["description"] == "Say hello"
    assert "action: test:echo" in echo["examples"][0]["example"]


def test_describe_one_action(client: FlaskClient, auth: Auth) -> None:
    response = client.get("/v2/actions/test:echo", headers=auth())
    assert response.status_code == 200
    assert response.json["id"] == "test:echo"


def test_run_returns_output_log_and_dry_run_flag(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, {"message": "hi", "count": 3})
    assert response.status_code == 200
    assert response.json == {
        "output": {"message": "hi", "count": 3, "calls": 1, "sandbox": True},
        "log": [{"level": "info", "message": "echoing 'hi'"}],
        "dryRun": False,
        "sandbox": True,  # no PagerDuty credentials in this config: the built-in sandbox
    }
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"]


def test_dry_run_is_passed_to_the_handler(client: FlaskClient, auth: Auth) -> None:
    response = client.post(
        "/v2/actions/test:echo?dryRun=true", json={"message": "hi", "count": 3}, headers=auth()
    )
    assert response.json["dryRun"] is True
    assert response.json["output"]["count"] == 0


def test_dry_run_of_action_without_support_is_refused(client: FlaskClient, auth: Auth) -> None:
    response = client.post("/v2/actions/test:slow?dryRun=true", json={"seconds": 0}, headers=auth())
    assert response.status_code == 400
    assert "does not support dry run" in response.json["error"]["message"]


def test_bad_dry_run_flag(client: FlaskClient, auth: Auth) -> None:
    response = client.post(
        "/v2/actions/test:echo?dryRun=maybe", json={"message": "x"}, headers=auth()
    )
    assert response.status_code == 400
    assert "dryRun" in response.json["error"]["message"]


def test_malformed_json(client: FlaskClient, auth: Auth) -> None:
    response = client.post(
        "/v2/actions/test:echo",
        data='{"message": ',
        headers=auth(**{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400
    body = response.json
    assert body["error"]["name"] == "InputError"
    assert "not valid JSON at line 1" in body["error"]["message"]
    assert body["response"] == {"statusCode": 400}
    assert body["request"] == {"method": "POST", "url": "/v2/actions/test:echo"}


def test_every_schema_error_is_reported_with_its_path(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, {"message": 5, "count": 99, "tags": ["ok", "NO"], "extra": 1})
    assert response.status_code == 400
    details = response.json["error"]["details"]
    paths = [d["path"] for d in details]
    assert paths == ["$.count", "$.extra", "$.message", "$.tags[1]"]
    assert "99 is greater than the maximum of 10" in details[0]["message"]
    assert details[1]["message"] == "'extra' is not a known property (known: message, count, tags)"


def test_missing_required_field(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, {})
    assert response.status_code == 400
    assert response.json["error"]["details"] == [
        {"path": "$", "message": "'message' is a required property"}
    ]


def test_body_must_be_an_object(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, ["message"])
    assert response.status_code == 400
    assert "must be a JSON object" in response.json["error"]["message"]


def test_empty_body(client: FlaskClient, auth: Auth) -> None:
    response = client.post(
        "/v2/actions/test:echo", data="", headers=auth(**{"Content-Type": "application/json"})
    )
    assert response.status_code == 400
    assert "body is empty" in response.json["error"]["message"]


def test_huge_body_is_413(client: FlaskClient, auth: Auth) -> None:
    big = json.dumps({"message": "x" * (1024 * 1024 + 10)})
    response = client.post(
        "/v2/actions/test:echo", data=big, headers=auth(**{"Content-Type": "application/json"})
    )
    assert response.status_code == 413
    assert response.json["error"]["name"] == "PayloadTooLargeError"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_non_json_content_type_is_415(client: FlaskClient, auth: Auth, content_type: str) -> None:
    response = client.post(
        "/v2/actions/test:echo",
        data="[object Object]",
        headers=auth(**{"Content-Type": content_type}),
    )
    assert response.status_code == 415
    assert "content-type: application/json" in response.json["error"]["message"]


def test_vendor_json_content_type_is_accepted(client: FlaskClient, auth: Auth) -> None:
    response = client.post(
        "/v2/actions/test:echo",
        data=json.dumps({"message": "m"}),
        headers=auth(**{"Content-Type": "application/vnd.example+json; charset=utf-8"}),
    )
    assert response.status_code == 200


def test_unknown_action_is_404(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, {"message": "x"}, action="test:nope")
    assert response.status_code == 404
    assert (
        "known actions: test:bad-output, test:boom, test:echo, test:slow"
        in (response.json["error"]["message"])
    )


def test_unknown_route_is_404_in_backstage_shape(client: FlaskClient, auth: Auth) -> None:
    response = client.get("/v3/nothing", headers=auth())
    assert response.status_code == 404
    assert response.json["error"]["name"] == "NotFoundError"


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (None, "send 'Authorization: Bearer <token>' with a token"),
        ("Basic abc", "must be 'Bearer <token>'"),
        ("Bearer wrong-token-000000000", "the bearer token is not one of auth.tokens"),
    ],
)
def test_bad_credentials_are_401(client: FlaskClient, header: str | None, fragment: str) -> None:
    headers = {"Authorization": header} if header else {}
    for path in ("/v2/actions", "/openapi.json", "/metrics"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert fragment in response.json["error"]["message"]
    post = client.post("/v2/actions/test:echo", json={"message": "x"}, headers=headers)
    assert post.status_code == 401


def test_caller_limited_to_some_actions_gets_403(
    client: FlaskClient, auth: Auth, limited_token: str
) -> None:
    refused = run(client, auth, {"message": "x"}, token=limited_token)
    assert refused.status_code == 403
    assert "may not run test:echo" in refused.json["error"]["message"]
    allowed = run(client, auth, {"seconds": 0}, action="test:slow", token=limited_token)
    assert allowed.status_code == 200


def test_output_breaking_its_schema_is_500_and_logged(
    client: FlaskClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = run(client, auth, {"seconds": 0}, action="test:bad-output")
    assert response.status_code == 500
    assert response.json["error"]["name"] == "InternalError"
    assert "does not match its schema" in response.json["error"]["message"]
    assert any("breaks its schema" in r.getMessage() for r in caplog.records)


def test_unexpected_exception_is_500_without_internals(client: FlaskClient, auth: Auth) -> None:
    response = run(client, auth, {"seconds": 0}, action="test:boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text
    assert "Traceback" not in text
    assert "request id" in response.json["error"]["message"]


def test_request_id_is_echoed(client: FlaskClient, auth: Auth) -> None:
    response = client.get("/v2/actions", headers=auth(**{"X-Request-Id": "abc-123"}))
    assert response.headers["X-Request-Id"] == "abc-123"


def test_metrics_count_requests_and_runs(client: FlaskClient, auth: Auth) -> None:
    run(client, auth, {"message": "x"})
    run(client, auth, {})
    text = client.get("/metrics", headers=auth()).get_data(as_text=True)
    series = 'action_runs_total{action="test:echo",dry_run="false",outcome="success"} 1.0'
    assert f"pagerduty_actions_{series}" in text
    assert 'outcome="InputError"' in text
    assert 'route="/v2/actions/<path:action_id>",status="200"' in text
