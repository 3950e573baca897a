"""Property tests: pagination never skips or repeats an item; secrets never survive redaction."""

from __future__ import annotations

import httpx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pagerduty_actions.pagerduty import (
    Account,
    ApiToken,
    LimiterRegistry,
    PagerDutyClient,
    PagerDutyError,
    redact,
)

ACCOUNT = Account(
    id="prop",
    api_base_url="https://api.pagerduty.com",
    events_base_url="https://events.pagerduty.com",
    auth=ApiToken("prop-token"),
)


@settings(max_examples=40, deadline=None)
@given(total=st.integers(0, 500), page_size=st.integers(1, 100), server_cap=st.integers(1, 100))
def test_classic_pagination_is_exact(total: int, page_size: int, server_cap: int) -> None:
    requested: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = min(int(request.url.params["limit"]), server_cap)
        requested.append((offset, limit))
        items = [{"id": i} for i in range(offset, min(offset + limit, total))]
        return httpx.Response(200, json={"things": items, "more": offset + limit < total})

    with PagerDutyClient(
        ACCOUNT, transport=httpx.MockTransport(handler), limiters=LimiterRegistry()
    ) as client:
        ids = [item["id"] for item in client.iter_classic("/things", "things", page_size=page_size)]
    assert ids == list(range(total))
    step = min(page_size, server_cap)
    assert len(requested) == max(1, -(-total // step))


secret_text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40
)


@settings(max_examples=100)
@given(secret=secret_text, before=st.text(max_size=20), after=st.text(max_size=20))
def test_known_secret_never_survives(secret: str, before: str, after: str) -> None:
    # A "secret" that is part of the error's own wording (say "PagerDut") shows however well
    # the message is redacted: such draws say nothing about redaction.
    redacted = PagerDutyError("[REDACTED]", errors=["[REDACTED]"] * 2, method="GET", path="/x")
    assume(secret not in repr(redacted))
    message = f"{before}{secret}{after}"
    error = PagerDutyError(
        message, errors=[message, secret], method="GET", path="/x", secrets=[secret]
    )
    for text in (str(error), repr(error), error.message, *error.errors):
        assert secret not in text


@settings(max_examples=100)
@given(token=st.from_regex(r"[A-Za-z0-9_+\-]{8,40}", fullmatch=True))
def test_header_shapes_are_redacted_without_knowing_the_token(token: str) -> None:
    text = redact(f"headers: Authorization: Token token={token}, Bearer {token}")
    assert token not in text
