"""What the entity-page tests share (test modules cannot import conftest): the tokens, the
integration keys and the seed of each sandbox."""

from __future__ import annotations

from typing import Any

TOKEN = "entity-page-token-0123456789"
US_KEY = "0123456789abcdef0123456789abcdef"
EU_KEY = "fedcba9876543210fedcba9876543210"


def seed(name: str, region: str, service: str, key: str, user: tuple[str, str]) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "name": name,
                "subdomain": name,
                "region": region,
                "tokens": [f"{name}-pd-token"],
                "users": [{"name": user[0], "email": user[1]}],
                "escalation_policies": [{"name": "Default", "users": [user[0]]}],
                "services": [
                    {
                        "id": f"P{name.upper()}SVC",
                        "name": service,
                        "escalation_policy": "Default",
                        "integrations": [{"vendor": "PRO19CT", "integration_key": key}],
                    }
                ],
                "oncalls": [{"user": user[0], "escalation_policy": "Default"}],
                "change_events": [
                    {
                        "service": service,
                        "summary": "Deployed v2",
                        "source": "ci",
                        "links": [{"href": "https://ci.example.com/2", "text": "Build 2"}],
                    }
                ],
            }
        ]
    }
