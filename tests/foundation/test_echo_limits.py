"""What we echo of a caller's input (a rejected value, an id, the path) is cut short in error
bodies and log lines, and a cut never hides why the input was refused."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pagerduty_actions.logging_setup import _JsonFormatter, _TextFormatter
from pagerduty_actions.redaction import QUOTE_LIMIT, TEXT_LIMIT

Auth = Callable[..., dict[str, str]]


def test_a_long_rejected_value_is_quoted_short_with_the_reason(
    client: FlaskClient, auth: Auth
) -> None:
    response = client.post(
        "/v2/actions/test:echo",
        json={"message": "hi", "count": "9" * 500_000, "tags": ["B" * 500_000]},
        headers=auth(),
    )
    assert response.status_code == 400
    error = response.json["error"]
    count, tag = error["details"]
    assert count["path"] == "$.count"
    assert count["message"] == (
        f"'{'9' * (QUOTE_LIMIT - 1)}\u2026(truncated, 500002 characters) is not of type 'integer'"
    )
    assert tag["path"] == "$.tags[0]"
    assert tag["message"].endswith("(truncated, 500002 characters) does not match '^[a-z]+$'")
    assert len(error["message"]) < 2 * TEXT_LIMIT
    assert len(response.data) < 4 * TEXT_LIMIT


def test_a_long_action_id_or_path_is_quoted_short(
    client: FlaskClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    action = client.post(f"/v2/actions/{'x' * 20_000}", json={}, headers=auth())
    assert action.status_code == 404
    assert "(truncated, 20002 characters); known actions: test:" in action.json["error"]["message"]
    assert len(action.json["request"]["url"]) < QUOTE_LIMIT + 100

    with caplog.at_level(logging.INFO, logger="pagerduty_actions.access"):
        route = client.get(f"/{'y' * 20_000}", headers=auth())
    assert route.status_code == 404
    assert route.json["error"]["message"].startswith("no route GET /yyy")
    assert len(route.json["error"]["message"]) < QUOTE_LIMIT + 100
    (line,) = [r.getMessage() for r in caplog.records if r.name == "pagerduty_actions.access"]
    assert line.startswith("GET /yyyy") and "(truncated, 20001 characters) 404 " in line


@pytest.mark.parametrize("formatter", [_TextFormatter("%(message)s"), _JsonFormatter()])
def test_a_log_message_is_cut_before_it_is_redacted(formatter: logging.Formatter) -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s", ("a" * 100_000,), None)
    line = formatter.format(record)
    assert TEXT_LIMIT < len(line) < TEXT_LIMIT + 200
    assert "(truncated, 100000 characters)" in line
