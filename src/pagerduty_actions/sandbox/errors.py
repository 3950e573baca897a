"""PagerDuty's error vocabulary, so sandbox failures look exactly like the real API's.

Every REST error body is ``{"error": {"message", "code", "errors"}}``. The numeric codes follow
PagerDuty's published error-code table as best known; they are collected here so a correction is a
one-line change.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ErrorCode(IntEnum):
    """PagerDuty REST API error codes used by the sandbox."""

    INTERNAL_ERROR = 2000
    INVALID_INPUT = 2001
    ARGUMENTS_CAUSED_ERROR = 2002
    MISSING_ARGUMENTS = 2003
    AUTHENTICATION_FAILED = 2006
    ACCESS_DENIED = 2010
    REQUESTER_REQUIRED = 2011
    ABILITY_MISSING = 2014
    RATE_LIMITED = 2020
    NOT_FOUND = 2100


_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INTERNAL_ERROR: "Internal Error",
    ErrorCode.INVALID_INPUT: "Invalid Input Provided",
    ErrorCode.ARGUMENTS_CAUSED_ERROR: "Arguments Caused Error",
    ErrorCode.MISSING_ARGUMENTS: "Missing Arguments",
    ErrorCode.AUTHENTICATION_FAILED: "Authentication failed",
    ErrorCode.ACCESS_DENIED: "Access Denied",
    ErrorCode.REQUESTER_REQUIRED: "Requester User Not Found",
    ErrorCode.ABILITY_MISSING: "Account does not have the abilities to perform the action",
    ErrorCode.RATE_LIMITED: "Rate Limit Exceeded",
    ErrorCode.NOT_FOUND: "Not Found",
}


def error_body(code: ErrorCode, errors: list[str] | None = None) -> dict[str, Any]:
    """Build PagerDuty's error envelope for ``code``."""
    return {"error": {"message": _MESSAGES[code], "code": int(code), "errors": list(errors or [])}}


class PagerDutyErrorResponse(Exception):
    """An error answer of the simulated API: raised by its handlers, turned by the app into
    PagerDuty's JSON error response. (The client's ``pagerduty.PagerDutyError`` is what our
    side makes of such an answer.)"""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {_MESSAGES[code]}")
        self.status = status
        self.code = code
        self.errors = list(errors or [])
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body PagerDuty would send."""
        return error_body(self.code, self.errors)


def invalid_input(*errors: str) -> PagerDutyErrorResponse:
    """400 Invalid Input Provided (2001) with human-readable details."""
    return PagerDutyErrorResponse(400, ErrorCode.INVALID_INPUT, list(errors))


def not_found(*errors: str) -> PagerDutyErrorResponse:
    """404 Not Found (2100)."""
    return PagerDutyErrorResponse(404, ErrorCode.NOT_FOUND, list(errors))


def ability_missing(*abilities: str) -> PagerDutyErrorResponse:
    """402 Payment Required (2014): the account's plan lacks an ability."""
    return PagerDutyErrorResponse(
        402, ErrorCode.ABILITY_MISSING, [f"Missing ability: {a}" for a in abilities]
    )
