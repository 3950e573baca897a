"""Credentials for PagerDuty calls as ``httpx.Auth`` flows: a static API token, or a scoped
OAuth token we keep fresh.

The plugin's scoped-OAuth token "stops working after a day or two" until a restart because it is
never renewed; here the token is renewed well before it expires, by one thread at a time, and
once more when PagerDuty answers 401. Being an auth flow, that renewal happens around the retry
transport, not inside its loop: a 429 or a 5xx is retried with the same token, and a 401 is
answered by a new token and one more send. The granted ``scope`` string is kept so startup can
report missing scopes instead of failing on the first 403.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable

import httpx

from pagerduty_actions import __version__

from ..outbound import RetryOptions
from .accounts import Account, ApiToken, OAuthSettings
from .errors import CredentialRejectedError, PagerDutyError, UpstreamUnavailableError, redact

ACCEPT = "application/vnd.pagerduty+json;version=2"
USER_AGENT = f"pagerduty-actions/{__version__}"

# Renew at 80% of the lifetime, or 10 minutes before expiry if that comes first.
REFRESH_FRACTION = 0.8
REFRESH_MARGIN_SECONDS = 600.0
# The shared httpx client defaults to JSON for the REST API; the token endpoint takes a form.
_FORM_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
    "User-Agent": USER_AGENT,
}


class CredentialAuth(httpx.Auth):
    """An ``httpx.Auth`` for the REST API that also says which scopes it was granted and which
    secrets error text must never show."""

    def secrets(self) -> tuple[str, ...]:
        """Every secret string this credential knows, so error text can be redacted."""
        raise NotImplementedError

    @property
    def scope(self) -> str | None:
        """The granted scopes (space separated); None when the credential is not scoped."""
        return None

    def missing_scopes(self, required: Iterable[str]) -> list[str]:
        """The ``required`` scopes not granted (none for a credential that is not scoped)."""
        scope = self.scope
        if scope is None:
            return []
        granted = set(scope.split())
        return [s for s in required if s not in granted]


class ApiTokenAuth(CredentialAuth):
    """A REST API key, sent as ``Token token=...``. It is not scoped and never renewed: a 401
    is final."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Token token={self._token}"
        yield request

    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def __repr__(self) -> str:
        return "ApiTokenAuth(token=[REDACTED])"


class OAuthAuth(CredentialAuth):
    """Scoped OAuth client-credentials token, cached and renewed before it expires.

    The token comes from the identity service through ``http``, the client this credential
    signs for (so tests and the sandbox swap its transport once), without a rate-limit slot and
    retried by its policy like an idempotent call: asking for a token twice is harmless.
    ``clock`` is a monotonic clock in seconds.
    """

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        http: httpx.Client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._refresh_at = 0.0
        self._scope: str | None = None
        self.fetch_count = 0

    @property
    def requested_scope(self) -> str:
        s = self._settings
        return " ".join([f"as_account-{s.region}.{s.sub_domain}", *s.scopes])

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign with the current token; on a 401, renew it (unless another thread already did)
        and send once more: PagerDuty can revoke a token before its announced expiry."""
        sent = self.authorization()
        request.headers["Authorization"] = sent
        response = yield request
        if response.status_code == 401:
            self._renew_unless_renewed(sent)
            request.headers["Authorization"] = self.authorization()
            yield request

    def authorization(self) -> str:
        """The ``Authorization`` header value to send now (fetching a token when due)."""
        token, refresh_at = self._access_token, self._refresh_at
        if token is not None and self._clock() < refresh_at:
            return f"Bearer {token}"
        with self._lock:
            if self._access_token is None or self._clock() >= self._refresh_at:
                self._fetch()
            return f"Bearer {self._access_token}"

    def secrets(self) -> tuple[str, ...]:
        found = [self._settings.client_secret]
        if self._access_token:
            found.append(self._access_token)
        return tuple(found)

    @property
    def scope(self) -> str | None:
        if self._scope is None:
            self.authorization()
        return self._scope

    def _renew_unless_renewed(self, rejected: str) -> None:
        with self._lock:
            if f"Bearer {self._access_token}" == rejected:
                self._fetch()

    def _fetch(self) -> None:
        """Ask the identity service for a new token. Caller holds ``self._lock``."""
        s = self._settings
        form = {
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "scope": self.requested_scope,
        }
        secrets = self.secrets()
        started = self._clock()
        try:
            response = self._http.post(
                s.identity_url,
                data=form,
                headers=_FORM_HEADERS,
                extensions=RetryOptions(idempotent=True).extensions(),
            )
        except httpx.TransportError as exc:
            raise UpstreamUnavailableError(
                f"cannot reach the PagerDuty identity service: {type(exc).__name__}",
                method="POST",
                path="/oauth/token",
                secrets=secrets,
            ) from None
        self.fetch_count += 1
        if response.status_code >= 400:
            raise _token_error(response, secrets)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise PagerDutyError(
                "the identity service answered without an access_token",
                status=response.status_code,
                method="POST",
                path="/oauth/token",
            ) from None
        self._access_token = token
        self._scope = str(body.get("scope") or "")
        renew_in = max(0.0, min(lifetime * REFRESH_FRACTION, lifetime - REFRESH_MARGIN_SECONDS))
        self._refresh_at = started + renew_in

    def __repr__(self) -> str:
        return f"OAuthAuth(client_id={self._settings.client_id!r}, secret=[REDACTED])"


def _token_error(response: httpx.Response, secrets: tuple[str, ...]) -> PagerDutyError:
    try:
        body = response.json()
        error = body.get("error")
        detail = body.get("error_description")
        message = f"OAuth token request refused: {error}" + (f" ({detail})" if detail else "")
    except (ValueError, AttributeError):
        message = "OAuth token request refused"
    message = redact(message, secrets)
    if response.status_code >= 500:
        return UpstreamUnavailableError(
            message, status=response.status_code, method="POST", path="/oauth/token"
        )
    return CredentialRejectedError(
        message, status=response.status_code, method="POST", path="/oauth/token"
    )


def credential_for(
    account: Account, *, http: httpx.Client, clock: Callable[[], float] = time.monotonic
) -> CredentialAuth:
    """The credential for ``account``'s configured auth; ``http`` is the client it signs for."""
    if isinstance(account.auth, ApiToken):
        return ApiTokenAuth(account.auth.token)
    return OAuthAuth(account.auth, http=http, clock=clock)
