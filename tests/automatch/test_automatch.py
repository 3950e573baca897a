"""Auto-match: names normalised as people read them, PagerDuty's scale, blocking that finds
what scoring all pairs finds, one suggestion per service."""

from __future__ import annotations

import pytest

from pagerduty_actions.automatch import (
    Candidate,
    NameKey,
    normalised,
    score,
    suggest,
    suggest_all_pairs,
)
from pagerduty_actions.automatch.names import acronym, team_key


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Checkout-API", "checkout api"),
        ("checkout_api", "checkout api"),
        ("CheckoutAPI", "checkout api"),
        ("APIGateway", "api gateway"),
        ("payments-service", "payments"),
        ("  Search  svc ", "search"),
        ("service", "service"),  # nothing but noise: kept
    ],
)
def test_names_are_normalised_as_people_read_them(name: str, expected: str) -> None:
    assert normalised(name) == expected


def test_acronyms_and_team_keys() -> None:
    assert acronym("checkout-api-gateway") == "cag"
    assert acronym("CAG") == "cag"
    assert acronym("checkout") is None
    assert team_key("group:default/Team-A") == team_key("Team A") == team_key("team-a") == "teama"
    assert team_key(None) is None


def test_pagerduty_scale_exact_name_and_team_is_100() -> None:
    exact = score(NameKey.of("checkout", "team-a"), NameKey.of("Checkout", "Team A"))
    assert (exact.points, exact.confidence) == (100, "exact")
    assert "same team: +10" in exact.reasons()
    no_team = score(NameKey.of("checkout", "team-a"), NameKey.of("checkout", "Team B"))
    assert (no_team.points, no_team.confidence) == (90, "high")
    near = score(NameKey.of("checkout-api", None), NameKey.of("checkout-apl", None))
    assert near.confidence in {"high", "medium"} and near.points < 90
    far = score(NameKey.of("checkout", None), NameKey.of("billing", None))
    assert far.confidence == "low"


def test_acronym_bonus() -> None:
    spelled = NameKey.of("customer-account-gateway", "t")
    short = NameKey.of("CAG", None)
    with_acronym = score(spelled, short)
    assert with_acronym.same_acronym
    assert "same acronym: +5" in with_acronym.reasons()


SERVICES = [
    Candidate("P1", "Checkout API", "Team A"),
    Candidate("P2", "Payments Service", "Team A"),
    Candidate("P3", "search", "Team B"),
    Candidate("P4", "Inventory Tracker", None),
]
COMPONENTS = [
    Candidate("component:default/checkout-api", "checkout-api", "group:default/team-a"),
    Candidate("component:default/payments", "payments", "team-a"),
    Candidate("component:default/serch", "serch", "team-b"),  # a typo in the tail
    Candidate("component:default/billing", "billing", None),  # nothing like it
]


def test_suggestions_find_what_all_pairs_finds_and_explain_why() -> None:
    found = {(s.entity_ref, s.service_id): s for s in suggest(COMPONENTS, SERVICES)}
    assert set(found) == {
        ("component:default/checkout-api", "P1"),
        ("component:default/payments", "P2"),
        ("component:default/serch", "P3"),
    }
    assert found[("component:default/checkout-api", "P1")].score.confidence == "exact"
    baseline = {(s.entity_ref, s.service_id) for s in suggest_all_pairs(COMPONENTS, SERVICES)}
    assert set(found) == baseline


def test_one_service_is_suggested_for_one_component_only() -> None:
    """All-pairs offers the same service to two look-alike components; we offer it once, to
    the better one, and the other gets its own match or nothing."""
    services = [Candidate("P1", "checkout", "team-a")]
    components = [
        Candidate("component:default/checkout", "checkout", "team-a"),
        Candidate("component:default/checkouts", "checkouts", "team-a"),
    ]
    assert [s.entity_ref for s in suggest_all_pairs(components, services)] == [
        "component:default/checkout",
        "component:default/checkouts",
    ]
    assert [(s.entity_ref, s.points) for s in suggest(components, services)] == [
        ("component:default/checkout", 100)
    ]


def test_a_word_every_service_shares_does_not_make_an_all_pairs_loop() -> None:
    """``api`` in 1,000 service names: a component sharing only that word is compared with
    none of them through it, but a rarer word still finds its service."""
    services = [Candidate(f"P{i}", f"thing{i}-api", None) for i in range(1000)]
    services.append(Candidate("PX", "ledger-api", None))
    from pagerduty_actions.automatch.matcher import ServiceIndex

    index = ServiceIndex(services)
    assert index.candidates(NameKey.of("ledger-api", None)) == {1000}
    assert [s.service_id for s in suggest([Candidate("c", "ledger-api")], services)] == ["PX"]


def test_a_typo_in_the_first_letters_still_meets_its_service() -> None:
    """Swapped, dropped, added or changed letters at the start: the blocking keys (first four
    letters with one left out) still bring the pair together, as scoring all pairs would."""
    from pagerduty_actions.automatch.matcher import ServiceIndex

    services = [Candidate("P1", "gigo", None), Candidate("P2", "daro", None)]
    index = ServiceIndex(services)
    for typo, expected in (("iggo", {0}), ("dfaro", {1}), ("gigox", {0})):
        assert expected <= index.candidates(NameKey.of(typo, None)), typo
