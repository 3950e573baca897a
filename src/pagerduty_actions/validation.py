"""JSON Schema validation that reports every error, each with a JSON path a person can follow.

One place for it because input, output and config validation must read the same way: a
template author fixing their step gets ``$.alertGrouping.config.timeout: 0 is less than the
minimum of 60`` for every problem at once, not one per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError


def _json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _flatten(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Replace an unhelpful oneOf/anyOf summary by the errors of its closest branch."""
    out: list[ValidationError] = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            by_branch: dict[Any, list[ValidationError]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
            # The branch with the deepest match and fewest errors is the one the caller meant.
            best = min(
                by_branch.values(),
                key=lambda errs: (-max(len(e.absolute_path) for e in errs), len(errs)),
            )
            if best and max(len(e.absolute_path) for e in best) > len(error.absolute_path):
                out.extend(_flatten(best))
                continue
        out.append(error)
    return out


def describe_errors(validator: Draft202012Validator, instance: Any) -> list[dict[str, str]]:
    """All errors of ``instance``, sorted by path, as ``{"path", "message"}`` dicts."""
    errors = _flatten(validator.iter_errors(instance))
    described = [{"path": _json_path(e), "message": e.message} for e in errors]
    unique = {(d["path"], d["message"]): d for d in described}
    return sorted(unique.values(), key=lambda d: (d["path"], d["message"]))
