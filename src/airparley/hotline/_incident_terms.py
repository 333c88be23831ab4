"""What the agreement in force between two aircraft's owners says about an incident between them.

Two terms (``hotline._terms.Term``): ``incident_minima``, the separation below which an encounter is an
incident (:class:`PairMinima`; without an agreement, the node's ``tactical.IncidentSettings``), and
``incident_entry``, the field groups the signed ``incident.recorded`` entry may carry
(:func:`incident_fields`; without one, ``tactical.DEFAULT_INCIDENT_FIELDS``). The agreements are read
through the callables the caller passes, so nothing here holds or reads state of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from airparley.hotline._agreements import PartyAgreement, ResolvedTerms
from airparley.hotline._terms import Term
from airparley.tactical import DEFAULT_INCIDENT_FIELDS, IncidentSettings

__all__ = ["PairMinima", "incident_fields"]


def incident_fields(
    owners: tuple[str, str], terms_between: Callable[[Collection[str]], ResolvedTerms]
) -> tuple[tuple[str, ...], str]:
    """The groups the agreement in force between the two owners allows (its ``incident_entry`` term, or the
    documented default where the agreement falls back to it), and where that came from: ``"default"``,
    ``"agreement <id> v<version>"`` or ``"default, by agreement <id> v<version>"``. The default where no
    agreement covers the term, or the aircraft are of one party (nothing crosses to another party then but the
    entry itself)."""
    parties = sorted(set(owners))
    if len(parties) < 2:
        return tuple(DEFAULT_INCIDENT_FIELDS), "default"
    terms = terms_between(parties)
    agreement = terms.agreement
    if agreement is None or not terms.covered(Term.INCIDENT_ENTRY):
        return tuple(DEFAULT_INCIDENT_FIELDS), "default"
    named = f"agreement {agreement.agreement_id} v{agreement.version}"
    source = terms.sources[Term.INCIDENT_ENTRY]
    return tuple(terms.value(Term.INCIDENT_ENTRY)), named if source == "agreed" else f"default, by {named}"


class PairMinima:
    """The incident minima between two aircraft's owners: the ``incident_minima`` term of the agreement in force
    between them (or its documented default where it falls back), else the node's ``incident_h_nm`` and
    ``incident_v_ft``. The tactical runner looks for encounters within :meth:`envelope`, the widest minima of
    any pair, then judges each pair by :meth:`between`."""

    def __init__(
        self,
        default: IncidentSettings,
        terms_between: Callable[[Collection[str]], ResolvedTerms] | None = None,
        in_force: Callable[[], Collection[PartyAgreement]] | None = None,
    ) -> None:
        self.default = default
        self._terms_between = terms_between
        self._in_force = in_force

    def between(self, a: str, b: str) -> tuple[float, float]:
        """Horizontal NM and vertical ft below which an encounter of ``a``'s and ``b``'s aircraft is an incident."""
        if self._terms_between is None or a == b:
            return self.default.h_nm, self.default.v_ft
        agreed = self._terms_between((a, b)).value(Term.INCIDENT_MINIMA)
        if agreed is None:
            return self.default.h_nm, self.default.v_ft
        return float(agreed.horizontal_nm), float(agreed.vertical_ft)

    def envelope(self) -> tuple[float, float]:
        """The widest minima of any pair: the default's and every agreement's in force."""
        h_nm, v_ft = self.default.h_nm, self.default.v_ft
        for agreement in self._in_force() if self._in_force is not None else ():
            given = agreement.terms.given(Term.INCIDENT_MINIMA)
            if given is not None:
                h_nm, v_ft = max(h_nm, float(given.horizontal_nm)), max(v_ft, float(given.vertical_ft))
        return h_nm, v_ft
