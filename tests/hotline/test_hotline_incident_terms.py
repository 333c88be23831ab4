"""What the agreement in force says about an incident (hotline/_incident_terms.py): minima and entry fields."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from airparley.hotline import (
    AgreementTerms,
    IncidentMinima,
    PairMinima,
    PartyAgreement,
    ResolvedTerms,
    Term,
    incident_fields,
    terms_between,
)
from airparley.tactical import DEFAULT_INCIDENT_FIELDS, IncidentSettings

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _agreement(parties: tuple[str, ...], terms: AgreementTerms, agreement_id: str = "annex") -> PartyAgreement:
    return PartyAgreement(
        agreement_id=agreement_id,
        version=2,
        parties=parties,
        proposer=parties[0],
        start=T0,
        proposed_at=T0 - timedelta(hours=1),
        terms=terms,
        supersedes=1,
    )


def _between(*agreements: PartyAgreement) -> Callable[[Collection[str]], ResolvedTerms]:
    def resolve(parties: Collection[str]) -> ResolvedTerms:
        return terms_between(agreements, parties)

    return resolve


def test_minima_default_without_an_agreement_or_within_one_party() -> None:
    default = IncidentSettings(h_nm=0.5, v_ft=500.0)
    agreed = _agreement(("RUS", "USA"), AgreementTerms(incident_minima=IncidentMinima(1.0, 800.0)))
    assert PairMinima(default).between("USA", "RUS") == (0.5, 500.0)
    minima = PairMinima(default, _between(agreed), lambda: [agreed])
    assert minima.between("USA", "USA") == (0.5, 500.0)
    assert minima.between("USA", "TUR") == (0.5, 500.0)


def test_minima_agreed_between_the_owners_and_the_widest_envelope() -> None:
    default = IncidentSettings(h_nm=0.5, v_ft=500.0)
    wide_h = _agreement(("RUS", "USA"), AgreementTerms(incident_minima=IncidentMinima(1.0, 400.0)))
    wide_v = _agreement(("TUR", "USA"), AgreementTerms(incident_minima=IncidentMinima(0.3, 900.0)), "tur")
    minima = PairMinima(default, _between(wide_h, wide_v), lambda: [wide_h, wide_v])
    assert minima.between("RUS", "USA") == (1.0, 400.0)
    assert minima.between("USA", "TUR") == (0.3, 900.0)
    assert minima.envelope() == (1.0, 900.0)
    assert PairMinima(default).envelope() == (0.5, 500.0)


def test_entry_fields_agreed_defaulted_or_fallen_back() -> None:
    default = (tuple(DEFAULT_INCIDENT_FIELDS), "default")
    agreed = _agreement(("RUS", "USA"), AgreementTerms(incident_entry=("positions", "times")))
    assert incident_fields(("USA", "RUS"), _between(agreed)) == (("positions", "times"), "agreement annex v2")
    assert incident_fields(("USA", "USA"), _between(agreed)) == default
    assert incident_fields(("USA", "TUR"), _between(agreed)) == default
    fallen = _agreement(("RUS", "USA"), AgreementTerms(fallback=frozenset({Term.INCIDENT_ENTRY})))
    fields, source = incident_fields(("RUS", "USA"), _between(fallen))
    assert (fields, source) == (tuple(DEFAULT_INCIDENT_FIELDS), "default, by agreement annex v2")
    silent = _agreement(("RUS", "USA"), AgreementTerms(incident_minima=IncidentMinima(1.0, 800.0)))
    assert incident_fields(("RUS", "USA"), _between(silent)) == default
