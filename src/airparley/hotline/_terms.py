"""The terms of an agreement between parties, each a frozen, validated value, and their documented defaults.

``AgreementTerms`` holds one agreement version's terms: frequencies, strategic conflict buffers, case deadlines,
incident minima, the field groups a shared incident entry may carry, languages, and the terms that fall back
to ``DEFAULT_TERMS``. Every number and string is checked against its declared bound (``airparley.bounds``).
See ``docs/agreements.md``; the agreements themselves are in ``hotline/_agreements.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.hotline._common import Language, enum_value, mapping, sequence

__all__ = [
    "DEFAULT_TERMS",
    "GUARD_MHZ",
    "INCIDENT_ENTRY_DEFAULT",
    "INCIDENT_ENTRY_FIELDS",
    "AgreedFrequency",
    "AgreementTerms",
    "CaseDeadlines",
    "ConflictBuffers",
    "IncidentMinima",
    "Term",
]

#: The guard frequencies, MHz: always agreed (every aircraft is expected to listen on them).
GUARD_MHZ: Final = (121.5, 243.0)
#: What a shared incident entry may carry, by name; an agreement's ``incident_entry`` is a subset.
INCIDENT_ENTRY_FIELDS: Final = (
    "positions",
    "levels",
    "velocities",
    "min_separation",
    "times",
    "callsigns",
    "tracks",
)
#: The default content of a shared incident entry: the encounter, not the picture.
INCIDENT_ENTRY_DEFAULT: Final = ("positions", "levels", "velocities", "min_separation", "times")


class Term(StrEnum):
    """The terms an agreement may set."""

    FREQUENCIES = "frequencies"
    BUFFERS = "buffers"
    CASE_DEADLINES = "case_deadlines"
    INCIDENT_MINIMA = "incident_minima"
    INCIDENT_ENTRY = "incident_entry"
    LANGUAGES = "languages"


def _seconds(value: Any, field_name: str) -> int:
    return int(bounds.number(value, field_name, "case_deadline_s", integer=True))


@dataclass(frozen=True)
class AgreedFrequency:
    """A frequency the parties agree to use: name, MHz, area and notes."""

    name: str
    mhz: float
    area: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", bounds.free_text(self.name, "name", "frequency_name", one_line=True))
        object.__setattr__(self, "mhz", bounds.number(self.mhz, "mhz", "frequency_mhz"))
        object.__setattr__(self, "area", bounds.free_text(self.area, "area", "frequency_area", one_line=True))
        object.__setattr__(self, "notes", bounds.free_text(self.notes, "notes", "frequency_notes"))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mhz": self.mhz, "area": self.area, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Any) -> AgreedFrequency:
        fields = mapping(data, "frequency", {"name", "mhz", "area", "notes"}, required={"name", "mhz"})
        return cls(fields["name"], fields["mhz"], fields.get("area", ""), fields.get("notes", ""))


@dataclass(frozen=True)
class ConflictBuffers:
    """Strategic conflict buffers, as the strategic check uses them: lateral NM, vertical ft, time minutes."""

    lateral_nm: float = 5.0
    vertical_ft: float = 1000.0
    time_min: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lateral_nm", bounds.number(self.lateral_nm, "lateral_nm", "buffer_lateral_nm"))
        object.__setattr__(self, "vertical_ft", bounds.number(self.vertical_ft, "vertical_ft", "buffer_vertical_ft"))
        object.__setattr__(self, "time_min", bounds.number(self.time_min, "time_min", "buffer_time_min"))

    def as_dict(self) -> dict[str, Any]:
        return {"lateral_nm": self.lateral_nm, "vertical_ft": self.vertical_ft, "time_min": self.time_min}

    @classmethod
    def from_dict(cls, data: Any) -> ConflictBuffers:
        fields = mapping(data, "buffers", {"lateral_nm", "vertical_ft", "time_min"})
        return cls(fields["lateral_nm"], fields["vertical_ft"], fields["time_min"])


@dataclass(frozen=True)
class CaseDeadlines:
    """How long a case waits for the next response before it escalates, routine and urgent (seconds)."""

    response_deadline_s: int = 900
    urgent_response_deadline_s: int = 180

    def __post_init__(self) -> None:
        _seconds(self.response_deadline_s, "response_deadline_s")
        _seconds(self.urgent_response_deadline_s, "urgent_response_deadline_s")

    def as_dict(self) -> dict[str, Any]:
        return {
            "response_deadline_s": self.response_deadline_s,
            "urgent_response_deadline_s": self.urgent_response_deadline_s,
        }

    @classmethod
    def from_dict(cls, data: Any) -> CaseDeadlines:
        fields = mapping(data, "case_deadlines", {"response_deadline_s", "urgent_response_deadline_s"})
        return cls(fields["response_deadline_s"], fields["urgent_response_deadline_s"])


@dataclass(frozen=True)
class IncidentMinima:
    """Actual separation below both of these is an incident: horizontal NM and vertical ft."""

    horizontal_nm: float = 0.5
    vertical_ft: float = 500.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "horizontal_nm", bounds.number(self.horizontal_nm, "horizontal_nm", "incident_horizontal_nm")
        )
        object.__setattr__(self, "vertical_ft", bounds.number(self.vertical_ft, "vertical_ft", "incident_vertical_ft"))

    def as_dict(self) -> dict[str, Any]:
        return {"horizontal_nm": self.horizontal_nm, "vertical_ft": self.vertical_ft}

    @classmethod
    def from_dict(cls, data: Any) -> IncidentMinima:
        fields = mapping(data, "incident_minima", {"horizontal_nm", "vertical_ft"})
        return cls(fields["horizontal_nm"], fields["vertical_ft"])


def _incident_entry(value: Any) -> tuple[str, ...]:
    names = sequence(value, "incident_entry")
    for i, name in enumerate(names):
        if name not in INCIDENT_ENTRY_FIELDS:
            raise InvalidInput(
                f"incident_entry.{i}", f"must be one of {', '.join(INCIDENT_ENTRY_FIELDS)}, got {name!r}"
            )
    if len(set(names)) != len(names):
        raise InvalidInput("incident_entry", "names a field twice")
    # In the declared order, so two spellings of one set are one value (and sign to the same bytes).
    return tuple(name for name in INCIDENT_ENTRY_FIELDS if name in names)


def _languages(value: Any) -> tuple[Language, ...]:
    languages = [enum_value(Language, item, f"languages.{i}") for i, item in enumerate(sequence(value, "languages"))]
    if not languages:
        raise InvalidInput("languages", "must name at least one language")
    if len(set(languages)) != len(languages):
        raise InvalidInput("languages", "names a language twice")
    return tuple(languages)


@dataclass(frozen=True)
class AgreementTerms:
    """The terms of one agreement version. ``None`` leaves a term out (not covered); a term in ``fallback``
    takes the documented default (``DEFAULT_TERMS``) and may not be given as well."""

    frequencies: tuple[AgreedFrequency, ...] | None = None
    buffers: ConflictBuffers | None = None
    case_deadlines: CaseDeadlines | None = None
    incident_minima: IncidentMinima | None = None
    incident_entry: tuple[str, ...] | None = None
    languages: tuple[Language, ...] | None = None
    fallback: frozenset[Term] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.frequencies is not None:
            bounds.count(self.frequencies, "frequencies", "agreement_frequencies")
            mhz = [round(f.mhz, 3) for f in self.frequencies]
            if len(set(mhz)) != len(mhz):
                raise InvalidInput("frequencies", "lists one frequency twice")
            object.__setattr__(self, "frequencies", tuple(sorted(self.frequencies, key=lambda f: f.mhz)))
        if self.incident_entry is not None:
            object.__setattr__(self, "incident_entry", _incident_entry(list(self.incident_entry)))
        if self.languages is not None:
            object.__setattr__(self, "languages", _languages(list(self.languages)))
        fallback = frozenset(enum_value(Term, t, "fallback") for t in self.fallback)
        object.__setattr__(self, "fallback", fallback)
        for term in sorted(fallback):
            if getattr(self, term.value) is not None:
                raise InvalidInput(f"fallback.{term.value}", "a term is either agreed or falls back, not both")

    def given(self, term: Term) -> Any:
        """The value the agreement gives ``term``, or None."""
        value: Any = getattr(self, term.value)
        return value

    def covers(self, term: Term) -> bool:
        return self.given(term) is not None or term in self.fallback

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.frequencies is not None:
            out["frequencies"] = [f.as_dict() for f in self.frequencies]
        if self.buffers is not None:
            out["buffers"] = self.buffers.as_dict()
        if self.case_deadlines is not None:
            out["case_deadlines"] = self.case_deadlines.as_dict()
        if self.incident_minima is not None:
            out["incident_minima"] = self.incident_minima.as_dict()
        if self.incident_entry is not None:
            out["incident_entry"] = list(self.incident_entry)
        if self.languages is not None:
            out["languages"] = [language.value for language in self.languages]
        out["fallback"] = sorted(term.value for term in self.fallback)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> AgreementTerms:
        fields = mapping(data, "terms", {*(t.value for t in Term), "fallback"}, required=set())

        def located(name: str, build: Any) -> Any:
            if fields.get(name) is None:
                return None
            try:
                return build(fields[name])
            except InvalidInput as error:
                where = error.field if error.field.startswith(name) else f"{name}.{error.field}"
                raise InvalidInput(f"terms.{where}", error.reason) from None

        def frequencies(value: Any) -> tuple[AgreedFrequency, ...]:
            items = bounds.count(value, "frequencies", "agreement_frequencies")
            out = []
            for i, item in enumerate(items):
                try:
                    out.append(AgreedFrequency.from_dict(item))
                except InvalidInput as error:
                    raise InvalidInput(f"frequencies.{i}.{error.field}", error.reason) from None
            return tuple(out)

        fallback = located("fallback", lambda v: [enum_value(Term, t, "fallback") for t in sequence(v, "fallback")])
        try:
            return cls(
                frequencies=located("frequencies", frequencies),
                buffers=located("buffers", ConflictBuffers.from_dict),
                case_deadlines=located("case_deadlines", CaseDeadlines.from_dict),
                incident_minima=located("incident_minima", IncidentMinima.from_dict),
                incident_entry=located("incident_entry", _incident_entry),
                languages=located("languages", _languages),
                fallback=frozenset(fallback or ()),
            )
        except InvalidInput as error:
            if error.field.startswith("terms."):
                raise
            raise InvalidInput(f"terms.{error.field}", error.reason) from None


DEFAULT_TERMS: Final = AgreementTerms(
    frequencies=(),  # no frequency beyond the guards, which are always agreed
    buffers=ConflictBuffers(),
    case_deadlines=CaseDeadlines(),
    incident_minima=IncidentMinima(),
    incident_entry=INCIDENT_ENTRY_DEFAULT,
    languages=(Language.EN,),
)
"""The documented defaults a term takes when an agreement names it in ``fallback`` (docs/agreements.md)."""
