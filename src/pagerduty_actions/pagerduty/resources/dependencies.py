"""Technical service dependencies.

The read answers ``{"relationships": [...]}`` (not the usual wrapper). Writes take a list of
relationships per call; we send them in batches, one batch at a time per account (PagerDuty
answers overlapping associate/disassociate calls with 500): every client of one account shares
the account limiter's ``write_lock``, held for a batch and its retries. A 500 is retried with
backoff because associating an existing pair or disassociating an absent one changes nothing.

PagerDuty is eventually consistent: a service created a moment ago can 404 on the read and on
writes. ``retry_404_for`` (seconds) rides that out with backoff before the 404 counts as
missing; it is 0 by default so a service that really is gone fails fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..client import JsonBody, PagerDutyClient

DEFAULT_BATCH_SIZE = 100


def relationship(
    supporting_id: str,
    dependent_id: str,
    *,
    supporting_type: str = "service",
    dependent_type: str = "service",
) -> JsonBody:
    """One relationship: ``dependent`` depends on ``supporting``."""
    return {
        "supporting_service": {"id": supporting_id, "type": supporting_type},
        "dependent_service": {"id": dependent_id, "type": dependent_type},
    }


def technical_services(
    client: PagerDutyClient, service_id: str, *, retry_404_for: float = 0.0
) -> list[JsonBody]:
    """``GET /service_dependencies/technical_services/{id}``: the service's relationships,
    both those it depends on and those depending on it."""
    body = client.get(
        "/service_dependencies/technical_services/{id}",
        path_params={"id": service_id},
        retry_404_for=retry_404_for,
    )
    return list(body.get("relationships") or [])


def _write(
    client: PagerDutyClient,
    path: str,
    relationships: Iterable[JsonBody],
    batch_size: int,
    retry_404_for: float,
) -> list[JsonBody]:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    items: Sequence[JsonBody] = list(relationships)
    done: list[JsonBody] = []
    for start in range(0, len(items), batch_size):
        batch = list(items[start : start + batch_size])
        with client.limiter.write_lock:
            body = client.request_json(
                "POST",
                path,
                json={"relationships": batch},
                idempotent=True,
                retry_404_for=retry_404_for,
            )
        done.extend(body.get("relationships") or [])
    return done


def associate(
    client: PagerDutyClient,
    relationships: Iterable[JsonBody],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    retry_404_for: float = 0.0,
) -> list[JsonBody]:
    """``POST /service_dependencies/associate`` in batches; returns what PagerDuty echoed."""
    return _write(
        client, "/service_dependencies/associate", relationships, batch_size, retry_404_for
    )


def disassociate(
    client: PagerDutyClient,
    relationships: Iterable[JsonBody],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    retry_404_for: float = 0.0,
) -> list[JsonBody]:
    """``POST /service_dependencies/disassociate`` in batches."""
    return _write(
        client, "/service_dependencies/disassociate", relationships, batch_size, retry_404_for
    )
