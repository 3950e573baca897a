"""A dry run's PagerDuty: the real run's code runs against it unchanged; reads reach
PagerDuty, writes are recorded instead of sent.

A plan written beside the code that writes can say one thing while that code sends another
(emptying the planned service body once passed every test). Here the plan is the list of
requests the resource helpers handed over, built by the very lines that build a real run's
requests. A recorded create is answered with the object as sent and an id that stands for the
one PagerDuty would give (``{serviceId}`` for a service), so later requests carry it in their
paths and bodies where a real run carries the real id.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .client import JsonBody, PagerDutyClient


@dataclass(frozen=True)
class PlannedRequest:
    """One write a real run would send: what a dry run's ``plan`` lists."""

    method: str
    path: str
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        planned: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.body is not None:
            planned["body"] = self.body
        return planned


class WriteRecorder:
    """Stands in for a :class:`PagerDutyClient` in a dry run (see the module docstring).

    Write options that only shape how a request is sent (``retry_check``, ``retry_404_for``,
    headers) are accepted and ignored: nothing is sent, so nothing is retried.
    """

    def __init__(self, client: PagerDutyClient) -> None:
        self.client = client
        self.account = client.account
        self.requests: list[PlannedRequest] = []
        self._placeholders: set[str] = set()

    # -- reads: answered by PagerDuty, as in a real run ----------------------------------------

    def get(self, path: str, **options: Any) -> JsonBody:
        return self.client.get(path, **options)

    def iter_classic(self, path: str, key: str, **options: Any) -> Iterator[JsonBody]:
        return self.client.iter_classic(path, key, **options)

    def iter_cursor(self, path: str, key: str, **options: Any) -> Iterator[JsonBody]:
        return self.client.iter_cursor(path, key, **options)

    # -- writes: recorded ----------------------------------------------------------------------

    def post(self, path: str, **request: Any) -> JsonBody:
        return self._record("POST", path, **request)

    def put(self, path: str, **request: Any) -> JsonBody:
        return self._record("PUT", path, **request)

    def delete(self, path: str, **request: Any) -> JsonBody:
        return self._record("DELETE", path, **request)

    # -- the plan ------------------------------------------------------------------------------

    def plan(self) -> list[dict[str, Any]]:
        """The recorded writes, in order, as the dry run's ``plan`` output shows them."""
        return [request.as_dict() for request in self.requests]

    def is_placeholder(self, value: Any) -> bool:
        """Whether ``value`` stands for an id that only a real run would get."""
        return isinstance(value, str) and value in self._placeholders

    def _record(
        self,
        method: str,
        template: str,
        *,
        path_params: Mapping[str, str] | None = None,
        json: Any = None,
        **sending: Any,
    ) -> JsonBody:
        # Ids and placeholders as they are: the plan is read by people, not sent.
        path = template.format(**path_params) if path_params else template
        self.requests.append(PlannedRequest(method, path, copy.deepcopy(json)))
        return self._reply(method, json)

    def _reply(self, method: str, body: Any) -> JsonBody:
        """PagerDuty's answer to a write: the object in its envelope, as sent, a created one
        with a placeholder id named after its kind (``{alertGroupingSettingId}``)."""
        if not isinstance(body, dict) or len(body) != 1:
            return {}
        [(kind, sent)] = body.items()
        if method != "POST" or not isinstance(sent, dict):
            return copy.deepcopy(body)
        first, *rest = kind.split("_")
        placeholder = "{" + first + "".join(word.title() for word in rest) + "Id}"
        self._placeholders.add(placeholder)
        return {kind: {**copy.deepcopy(sent), "id": placeholder}}


#: What the resource helpers write through: PagerDuty itself, or a dry run's recorder.
PagerDutyApi = PagerDutyClient | WriteRecorder
