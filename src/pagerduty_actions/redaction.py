"""One place that strips credentials from text we emit: logs, error bodies, exception text.

Adapters already keep secrets out of their messages; this catches what slips through (an
upstream error that echoes a header, git output holding a URL with a token) before it reaches a
log line or an error body. Three layers: secrets the caller knows (passed in), secrets the
configuration holds (registered at start-up), and anything shaped like a credential.

It runs on every log line and error body, so on text an unauthenticated caller controls (a
request path, a rejected value): every pattern is linear in the text's length (no pattern can
start a scan inside a run an earlier start already scanned), and ``clip`` keeps what we echo of
an input short in the first place.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_VALUE = r"[^\s\"',;]+"
# A header value worth hiding: not a "<token>" placeholder and not a short word ("the bearer
# token is ..."), which a real credential never is. Shorter configured secrets are removed
# verbatim anyway (register_secret).
_CREDENTIAL = r"(?!<)[^\s\"',;]{8,}"
_PATTERNS = [
    # Header values: Authorization (Token token=, Bearer, Basic), GitLab's PRIVATE-TOKEN/JOB-TOKEN.
    re.compile(
        r"((?:Authorization|PRIVATE-TOKEN|JOB-TOKEN)[\"']?\s*[:=]\s*[\"']?"
        r"(?:Bearer\s+|Basic\s+|Token\s+token=|token\s+)?)" + _CREDENTIAL,
        re.IGNORECASE,
    ),
    re.compile(r"(Token\s+token=)" + _VALUE, re.IGNORECASE),
    re.compile(r"(Bearer\s+)" + _CREDENTIAL, re.IGNORECASE),
    # URL user-info: https://user:password@host, https://x-access-token:TOKEN@host. The scheme
    # is only tried from the start of a run of scheme characters (the lookbehind) and every run
    # is taken whole (possessive), so a long run without "://" is scanned once, not once per
    # character. The scheme may start later in the run than the match does ("1abc://"): the
    # kept prefix is the same text, so the output is too.
    re.compile(r"((?<![a-z0-9+.-])[0-9+.-]*+[a-z][a-z0-9+.-]*+://)[^/\s@]++(?=@)", re.IGNORECASE),
    # Token shapes: PagerDuty integration keys (32 hex), GitHub and GitLab personal tokens.
    re.compile(
        r"()\b(?:[0-9a-fA-F]{32}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}"
        r"|glpat-[A-Za-z0-9_-]{16,})\b"
    ),
]
#: Text none of the patterns can match holds none of these words: most text (an access line, a
#: validation message) is let through after one search instead of one substitution per pattern.
_MAY_MATCH = re.compile(
    r"(?i:authorization|token|bearer|://|gh[pousr]_|github_pat_|glpat-)|[0-9a-fA-F]{32}"
)
#: The same test for ASCII text (most text), about five times faster: ``_MAY_MATCH`` tries its
#: case-insensitive alternation at every position. For ASCII, lowering the text and looking for
#: each word is exactly its case-insensitive match; other text goes to ``_MAY_MATCH`` itself.
_WORDS = ("authorization", "token", "bearer", "://", "github_pat_", "glpat-")
_GH_PREFIX = re.compile(r"gh[pousr]_")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32}")
_known: set[str] = set()
_longest_first: tuple[str, ...] = ()  # _known, longest first (a secret inside another)
_lock = threading.Lock()
# How much of one input value (a path, an id, a rejected value) an error or a log line quotes,
# and how long a whole error message or log message may get: text a caller controls is cut
# before it is redacted and echoed, so its size never sets how much work we do.
QUOTE_LIMIT = 256
TEXT_LIMIT = 4096
# How far past a cut ``clip`` redacts, so a credential the cut crosses is removed whole, not
# left as a prefix: longer than any credential shape (and than every registered secret).
_CUT_MARGIN = 512


def register_secret(value: str | None) -> None:
    """Remember a configured secret so it is removed from any text we emit."""
    global _longest_first
    if value and len(value) >= 6:
        with _lock:
            _known.add(value)
            _longest_first = tuple(sorted(_known, key=len, reverse=True))


def may_hold_credential(text: str) -> bool:
    """False when no credential pattern can match ``text`` (``_MAY_MATCH`` finds nothing)."""
    if not text.isascii():
        return _MAY_MATCH.search(text) is not None
    lowered = text.lower()
    # The words of _WORDS, spelt out: a generator over them cost as much as the searches.
    return (
        "token" in lowered
        or "bearer" in lowered
        or "authorization" in lowered
        or "://" in lowered
        or "github_pat_" in lowered
        or "glpat-" in lowered
        or ("gh" in lowered and _GH_PREFIX.search(lowered) is not None)
        or _HEX_RUN.search(text) is not None
    )


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without ``secrets``, registered secrets, and anything shaped like a credential."""
    known = _longest_first
    extra = {s for s in secrets if s and len(s) >= 4} if secrets else None
    if extra:
        known = tuple(sorted(extra.union(known), key=len, reverse=True))
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if not may_hold_credential(text):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return text


def clip(text: str, limit: int, secrets: Iterable[str | None] = ()) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was (unchanged if shorter).

    For input we quote back (a path, a rejected value): the echo stays readable and what
    redaction and logging handle stays small. A cut text is redacted on a window a little past
    the cut, so a credential crossing the cut is removed whole rather than left as a prefix;
    callers redact the whole message they build anyway.
    """
    if len(text) <= limit:
        return text
    with _lock:
        margin = max([_CUT_MARGIN, *(len(s) for s in _known)])
    margin = max([margin, *(len(s) for s in secrets if s)])
    head = redact(text[: limit + margin], secrets)[:limit]
    return f"{head}\u2026(truncated, {len(text)} characters)"
