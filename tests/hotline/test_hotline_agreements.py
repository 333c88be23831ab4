"""Agreements between parties: terms, signatures, superseding, what is in force (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.hotline import (
    DEFAULT_TERMS,
    INCIDENT_ENTRY_DEFAULT,
    AgreedFrequency,
    AgreementSignature,
    AgreementTerms,
    ConflictBuffers,
    PartyAgreement,
    Term,
    agreed_frequencies,
    agreements_in_force,
    terms_between,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
UHF = AgreedFrequency("Deconfliction UHF", 251.3, "theatre")


def agreement(
    parties: tuple[str, ...] = ("RUS", "USA"),
    *,
    agreement_id: str = "USA-RUS-annex",
    version: int = 1,
    proposer: str = "USA",
    start: datetime = T0,
    terms: AgreementTerms | None = None,
) -> PartyAgreement:
    return PartyAgreement(
        agreement_id=agreement_id,
        version=version,
        parties=parties,
        proposer=proposer,
        start=start,
        proposed_at=T0 - timedelta(hours=1),
        terms=terms or AgreementTerms(frequencies=(UHF,), buffers=ConflictBuffers(8.0, 2000.0, 15.0)),
        supersedes=None if version == 1 else version - 1,
    )


def signed(a: PartyAgreement, *parties: str, at: datetime = T0) -> list[AgreementSignature]:
    return [AgreementSignature(a.agreement_id, a.version, p, at) for p in parties]


def test_in_force_only_once_every_named_party_signed() -> None:
    a = agreement()
    assert agreements_in_force([a], signed(a, "USA"), T0) == []
    assert agreements_in_force([a], signed(a, "USA", "TUR"), T0) == []  # a stranger's signature counts for nothing
    assert agreements_in_force([a], signed(a, "USA", "RUS"), T0) == [a]


def test_not_in_force_before_its_start_nor_before_the_last_signature() -> None:
    a = agreement(start=T0 + timedelta(hours=2))
    signatures = signed(a, "USA", "RUS")
    assert agreements_in_force([a], signatures, T0 + timedelta(hours=1)) == []
    assert agreements_in_force([a], signatures, T0 + timedelta(hours=2)) == [a]
    late = [*signed(a, "USA"), *signed(a, "RUS", at=T0 + timedelta(hours=3))]
    assert agreements_in_force([a], late, T0 + timedelta(hours=2, minutes=30)) == []


def test_a_new_version_supersedes_only_once_in_force() -> None:
    v1 = agreement()
    v2 = agreement(version=2, proposer="RUS", terms=AgreementTerms(buffers=ConflictBuffers(3.0, 500.0, 5.0)))
    signatures = signed(v1, "USA", "RUS") + signed(v2, "RUS", at=T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=2)
    assert agreements_in_force([v1, v2], signatures, later) == [v1]
    signatures += signed(v2, "USA", at=later)
    assert agreements_in_force([v1, v2], signatures, later) == [v2]
    assert agreements_in_force([v1, v2], signatures, T0) == [v1]  # history is kept: at T0 it was v1


def test_supersedes_must_name_the_previous_version() -> None:
    with pytest.raises(InvalidInput) as caught:
        PartyAgreement("A-1", 2, ("RUS", "USA"), "USA", T0, T0, AgreementTerms(), supersedes=None)
    assert caught.value.field == "supersedes"
    with pytest.raises(InvalidInput) as caught:
        PartyAgreement("A-1", 1, ("USA",), "USA", T0, T0, AgreementTerms())
    assert caught.value.field == "parties"
    with pytest.raises(InvalidInput) as caught:
        PartyAgreement("A-1", 1, ("RUS", "USA"), "TUR", T0, T0, AgreementTerms())
    assert caught.value.field == "proposer"


def test_terms_fall_back_to_defaults_only_where_the_agreement_says_so() -> None:
    terms = AgreementTerms(buffers=ConflictBuffers(8.0, 2000.0, 15.0), fallback=frozenset({Term.INCIDENT_ENTRY}))
    a = agreement(terms=terms)
    resolved = terms_between(agreements_in_force([a], signed(a, "USA", "RUS"), T0), ["USA", "RUS"])
    assert resolved.agreement == a
    assert resolved.value(Term.BUFFERS) == ConflictBuffers(8.0, 2000.0, 15.0)
    assert resolved.sources[Term.BUFFERS] == "agreed"
    assert resolved.value(Term.INCIDENT_ENTRY) == INCIDENT_ENTRY_DEFAULT
    assert resolved.sources[Term.INCIDENT_ENTRY] == "default"
    assert resolved.value(Term.CASE_DEADLINES) is None
    assert not resolved.covered(Term.CASE_DEADLINES)
    with pytest.raises(InvalidInput) as caught:
        AgreementTerms(buffers=ConflictBuffers(), fallback=frozenset({Term.BUFFERS}))
    assert caught.value.field == "fallback.buffers"


def test_the_bilateral_annex_is_more_specific_than_a_theatre_one() -> None:
    theatre = agreement(("RUS", "SYR", "TUR", "USA"), agreement_id="theatre", terms=AgreementTerms(frequencies=()))
    bilateral = agreement()
    signatures = signed(theatre, "USA", "RUS", "TUR", "SYR") + signed(bilateral, "USA", "RUS")
    in_force = agreements_in_force([theatre, bilateral], signatures, T0)
    assert terms_between(in_force, ["USA", "RUS"]).agreement == bilateral
    assert terms_between(in_force, ["USA", "TUR"]).agreement == theatre
    assert terms_between(in_force, ["USA", "TUR"]).sources[Term.BUFFERS] == "not covered"


def test_a_frequency_proposed_by_one_party_is_agreed_for_another_only_once_it_signs() -> None:
    a = agreement(("TUR", "USA"), agreement_id="TUR-USA", proposer="TUR")
    guards = [121.5, 243.0]
    proposed = agreements_in_force([a], signed(a, "TUR"), T0)
    assert [f["mhz"] for f in agreed_frequencies(proposed, ["USA"])] == guards
    assert [f["mhz"] for f in agreed_frequencies(proposed, ["TUR"])] == guards
    both = agreements_in_force([a], signed(a, "TUR", "USA"), T0)
    assert [f["mhz"] for f in agreed_frequencies(both, ["USA"])] == [*guards, 251.3]
    assert [f["mhz"] for f in agreed_frequencies(both, ["USA", "RUS"])] == guards


def test_terms_validate_their_fields() -> None:
    with pytest.raises(InvalidInput) as caught:
        AgreementTerms.from_dict({"buffers": {"lateral_nm": -1, "vertical_ft": 1000, "time_min": 10}})
    assert caught.value.field == "terms.buffers.lateral_nm"
    with pytest.raises(InvalidInput) as caught:
        AgreementTerms.from_dict({"incident_entry": ["positions", "radar_picture"]})
    assert caught.value.field == "terms.incident_entry.1"
    with pytest.raises(InvalidInput) as caught:
        AgreementTerms.from_dict({"frequencies": [{"name": "x", "mhz": 5000}]})
    assert caught.value.field == "terms.frequencies.0.mhz"
    with pytest.raises(InvalidInput) as caught:
        AgreementTerms.from_dict({"colour": "blue"})
    assert caught.value.field == "terms.colour"
    assert DEFAULT_TERMS.incident_entry == ("positions", "levels", "velocities", "min_separation", "times")


# --- properties -----------------------------------------------------------------------------------------------
PARTIES = ["USA", "RUS", "TUR", "SYR"]
party_sets = st.lists(st.sampled_from(PARTIES), min_size=2, max_size=4, unique=True)
buffers = st.builds(
    ConflictBuffers,
    st.floats(0.1, 50, allow_nan=False),
    st.floats(1, 5000, allow_nan=False),
    st.floats(0.5, 120, allow_nan=False),
)
term_sets = st.builds(
    AgreementTerms,
    frequencies=st.one_of(st.none(), st.just((UHF,))),
    buffers=st.one_of(st.none(), buffers),
    incident_entry=st.one_of(st.none(), st.lists(st.sampled_from(INCIDENT_ENTRY_DEFAULT), unique=True).map(tuple)),
)


@given(party_sets, term_sets, st.integers(1, 5))
def test_an_agreement_round_trips_through_its_dict(parties: list[str], terms: AgreementTerms, version: int) -> None:
    a = agreement(tuple(parties), proposer=parties[0], version=version, terms=terms)
    assert PartyAgreement.from_dict(a.as_dict()) == a


@given(party_sets, st.data())
def test_in_force_iff_every_party_signed(parties: list[str], data: st.DataObject) -> None:
    a = agreement(tuple(parties), proposer=parties[0])
    signers = data.draw(st.lists(st.sampled_from(PARTIES), unique=True))
    order = data.draw(st.permutations(signed(a, *signers)))
    in_force = agreements_in_force([a], order, T0)
    everyone = set(parties) <= set(signers)
    assert (in_force == [a]) == everyone
    resolved = terms_between(in_force, parties)
    assert (resolved.agreement is not None) == everyone
    # Who asks does not matter: the same terms hold between the parties in any order.
    assert terms_between(in_force, list(reversed(parties))) == resolved
