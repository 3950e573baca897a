"""``POST /oauth/token``: PagerDuty's client-credentials grant, so the client's OAuth path (token
fetch, expiry, renewal on 401, scope checks) runs against the sandbox.

The requested ``scope`` must name the account (``as_account-<region>.<subdomain>``); granted
scopes are the requested ones the client is allowed, and the response echoes them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from pagerduty_actions.sandbox.web import state

oauth = Blueprint("pd_oauth", __name__)


def _oauth_error(status: int, error: str, description: str) -> Any:
    return jsonify({"error": error, "error_description": description}), status


@oauth.post("/oauth/token")
def token() -> Any:
    form: dict[str, Any] = dict(request.form) or (request.get_json(silent=True) or {})
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported")
    st = state()
    client = st.oauth_clients.get(str(form.get("client_id", "")))
    if client is None or client.client_secret != form.get("client_secret"):
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    account = st.accounts[client.account]
    requested = str(form.get("scope", "")).split()
    account_scope = f"as_account-{account.region}.{account.subdomain}"
    if account_scope not in requested:
        return _oauth_error(400, "invalid_scope", f"scope must include {account_scope}")
    granted = {s for s in requested if s in client.scopes}
    if not granted and len(requested) > 1:
        return _oauth_error(400, "invalid_scope", "None of the requested scopes is allowed")
    access_token, _grant = st.issue_oauth_token(client, granted)
    return jsonify(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": client.expires_in,
            "scope": " ".join([account_scope, *sorted(granted)]),
        }
    )
