"""Error mapping from PagerDuty responses, readable messages, and redaction of secrets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from pagerduty_actions.pagerduty import (
    AbilityRequiredError,
    AlreadyExistsError,
    CredentialRejectedError,
    ForbiddenError,
    InvalidInputError,
    ObjectNotFoundError,
    PagerDutyClient,
    PagerDutyError,
    RateLimitedError,
    UpstreamUnavailableError,
    redact,
)

API = "https://api.pagerduty.com"
TOKEN = "y_NbAkKc66ryYTWUXYEu"
MakeClient = Callable[..., PagerDutyClient]


def fail(router: respx.Router, status: int, body: Any = None, method: str = "POST") -> None:
    kwargs = {"json": body} if body is not None else {}
    router.route(method=method, url=f"{API}/services").respond(status, **kwargs)


def call(client: PagerDutyClient, method: str = "POST") -> None:
    client.request_json(method, "/services", json={"service": {"name": "x"}})


@pytest.mark.parametrize(
    ("status", "body", "expected", "retryable"),
    [
        (
            400,
            {"error": {"message": "Invalid Input Provided", "code": 2001}},
            InvalidInputError,
            False,
        ),
        (401, {"error": {"message": "Unauthorized", "code": 2006}}, CredentialRejectedError, False),
        (
            402,
            {"error": {"message": "Payment Required", "code": 2014}},
            AbilityRequiredError,
            False,
        ),
        (403, {"error": {"message": "Forbidden", "code": 2010}}, ForbiddenError, False),
        (404, {"error": {"message": "Not Found", "code": 5002}}, ObjectNotFoundError, False),
        (409, {"error": {"message": "Conflict"}}, AlreadyExistsError, False),
        (422, {"error": {"message": "Unprocessable"}}, InvalidInputError, False),
        (429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, RateLimitedError, True),
        (500, {"error": {"message": "Internal Server Error"}}, UpstreamUnavailableError, True),
        (503, None, UpstreamUnavailableError, True),
    ],
)
def test_status_maps_to_error_kind(
    router: respx.Router,
    make_client: MakeClient,
    status: int,
    body: Any,
    expected: type[PagerDutyError],
    retryable: bool,
) -> None:
    fail(router, status, body)
    with pytest.raises(expected) as caught:
        call(make_client(max_attempts=1))
    error = caught.value
    assert type(error) is expected
    assert error.status == status
    assert error.method == "POST"
    assert error.path == "/services"
    assert error.retryable is retryable
    if body is not None:
        assert error.code == body["error"].get("code")


def test_400_keeps_pagerduty_errors_and_reads_well(
    router: respx.Router, make_client: MakeClient
) -> None:
    fail(
        router,
        400,
        {
            "error": {
                "message": "Invalid Input Provided",
                "code": 2001,
                "errors": ["Escalation policy can't be blank", "Name is too long"],
            }
        },
    )
    with pytest.raises(InvalidInputError) as caught:
        call(make_client())
    assert caught.value.errors == ["Escalation policy can't be blank", "Name is too long"]
    assert str(caught.value) == (
        "PagerDuty POST /services -> 400 Invalid Input Provided: "
        "Escalation policy can't be blank; Name is too long"
    )
    assert caught.value.to_dict() == {
        "status": 400,
        "code": 2001,
        "errors": ["Escalation policy can't be blank", "Name is too long"],
    }


def test_400_name_taken_is_a_conflict(router: respx.Router, make_client: MakeClient) -> None:
    fail(
        router,
        400,
        {
            "error": {
                "message": "Invalid Input Provided",
                "code": 2001,
                "errors": ["Name has already been taken"],
            }
        },
    )
    with pytest.raises(AlreadyExistsError) as caught:
        call(make_client())
    assert str(caught.value) == (
        "PagerDuty POST /services -> 400 Invalid Input Provided: Name has already been taken"
    )


def test_403_with_ability_code_is_ability_required(
    router: respx.Router, make_client: MakeClient
) -> None:
    fail(router, 403, {"error": {"message": "Account does not have the ability", "code": 2014}})
    with pytest.raises(AbilityRequiredError):
        call(make_client())


def test_non_json_error_body(router: respx.Router, make_client: MakeClient) -> None:
    router.get(f"{API}/services").respond(400, text="<html>bad</html>")
    with pytest.raises(InvalidInputError, match="400 Bad Request"):
        make_client().get("/services")


def test_upstream_echo_of_our_token_is_redacted(
    router: respx.Router, make_client: MakeClient
) -> None:
    fail(
        router,
        400,
        {
            "error": {
                "message": f"Bad header Authorization: Token token={TOKEN}",
                "errors": [f"token {TOKEN} rejected", "key 0123456789abcdef0123456789abcdef"],
            }
        },
    )
    with pytest.raises(InvalidInputError) as caught:
        call(make_client())
    for text in (str(caught.value), repr(caught.value), caught.value.message, *caught.value.errors):
        assert TOKEN not in text
        assert "0123456789abcdef0123456789abcdef" not in text
    assert "[REDACTED]" in str(caught.value)


def test_transport_errors_are_redacted_and_mapped(
    router: respx.Router, make_client: MakeClient
) -> None:
    router.get(f"{API}/abilities").mock(side_effect=httpx.ConnectError(f"refused for {TOKEN}"))
    with pytest.raises(UpstreamUnavailableError) as caught:
        make_client(max_attempts=2).get("/abilities")
    assert TOKEN not in str(caught.value)
    assert caught.value.status is None
    assert str(caught.value).startswith("PagerDuty GET /abilities -> ConnectError")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Token token=abc123XYZ", "Authorization: Token token=[REDACTED]"),
        ('{"Authorization": "Bearer pdus+abc.def"}', '{"Authorization": "Bearer [REDACTED]"}'),
        ("routing key a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6 bad", "routing key [REDACTED] bad"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_shapes(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_known_secrets() -> None:
    assert redact("oops sekret-value leaked", ["sekret-value"]) == "oops [REDACTED] leaked"
