"""The phrase catalogue: the hotline's fixed sentences, with declared parameters, in every reader's language.

The sentences live in ``hotline/phrases/catalogue.json`` (package data) so translators edit data, not
code. ``load_catalogue()`` reads and checks it each time it is called; the node loads it once at start-up
and passes the returned ``Catalogue`` to whatever renders or validates messages.

A template is Python ``str.format`` syntax restricted to ``{name}`` and, for enumerated parameters,
``{name:form}``: the form picks the grammatical variant the sentence needs (``{direction:imperative}``
"turn left", ``{direction:future}`` "will turn left"). Each language declares the forms its own grammar
needs (Turkish has a ``confirm`` form, "sola döneceğini"), so forms may differ between languages while
the parameter names may not.

A parameter listed in a phrase's ``optional`` may be absent from a message: its placeholder sits in a
``[...]`` segment of every template, left out when the message lacks it. That is how a phrase gains a
parameter without making the messages already signed and stored under it unreadable (they were valid when
sent, and neither a replica nor a reader may refuse them now).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from airparley.errors import InvalidInput
from airparley.hotline._common import Language, mapping, sequence
from airparley.hotline._params import ParamKind, ParamValue, check_param, format_param, wire_value

__all__ = [
    "Catalogue",
    "Phrase",
    "PhraseParam",
    "load_catalogue",
]

_CATALOGUE_FORMAT = 1
_WHERE = "phrase catalogue"
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SCALAR_KINDS = frozenset(kind.value for kind in ParamKind)

_EXAMPLES: Mapping[ParamKind, ParamValue] = MappingProxyType(
    {
        ParamKind.AREA: "PALMYRA-3",
        ParamKind.CALLSIGN: "DUKE 21",
        ParamKind.MINUTES: 15,
        ParamKind.DISTANCE_NM: 2.5,
        ParamKind.FREQUENCY: 243.0,
        ParamKind.FL: 90,
        ParamKind.ALTITUDE_FT: 25_000,
        ParamKind.HEADING: 270,
        ParamKind.TIME: "14:30Z",
        ParamKind.POSITION: (38.27, 34.56),
        ParamKind.CASE_ID: "CASE-0012",
        ParamKind.CONFLICT_ID: "C-7f3a9e",
        ParamKind.NOTICE_ID: "RUS-0042",
        ParamKind.TRACK_ID: "T-4411",
        ParamKind.AIRCRAFT: "BERKUT21",
    }
)


@dataclass(frozen=True)
class PhraseParam:
    """A declared parameter: its name in the templates and its kind (a ``ParamKind`` or an enumeration name)."""

    name: str
    kind: str
    #: May be absent from a message (a parameter added to a phrase after messages were sent with it).
    optional: bool = False


@dataclass(frozen=True)
class Phrase:
    """One sentence of the catalogue: its id, its parameters in declaration order, its text per language."""

    phrase_id: str
    params: tuple[PhraseParam, ...]
    texts: Mapping[Language, str]

    def text(self, language: Language | str) -> str:
        return self.texts[Language(language)]

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)

    def placeholders(self, language: Language | str) -> frozenset[str]:
        """The parameter names the template of ``language`` interpolates."""
        return frozenset(
            name for segment, _ in _segments(self.text(language)) for _, name, _ in _pieces(segment) if name is not None
        )


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Every phrase, the enumerated parameter values' translations and the unit words, checked for completeness.

    Build it with ``load_catalogue()`` (the package's data) or ``Catalogue.from_dict`` (the same structure).
    """

    phrases: Mapping[str, Phrase]
    # enumeration name -> value -> language -> form -> words
    enums: Mapping[str, Mapping[str, Mapping[Language, Mapping[str, str]]]]
    # unit-bearing kind -> language -> plural category -> unit word
    units: Mapping[ParamKind, Mapping[Language, Mapping[str, str]]]

    @property
    def phrase_ids(self) -> tuple[str, ...]:
        return tuple(self.phrases)

    def phrase(self, phrase_id: Any) -> Phrase:
        if not isinstance(phrase_id, str) or phrase_id not in self.phrases:
            raise InvalidInput("template", f"unknown phrase {phrase_id!r}")
        return self.phrases[phrase_id]

    def check_params(self, phrase_id: Any, params: Any) -> tuple[tuple[str, ParamValue], ...]:
        """``params`` validated against the phrase's declaration, in declaration order.

        Raises ``InvalidInput`` naming ``template`` for an unknown phrase, or ``params.<name>`` for a
        missing, unexpected or bad value.
        """
        phrase = self.phrase(phrase_id)
        where = f"phrase {phrase.phrase_id}"
        if not isinstance(params, Mapping):
            raise InvalidInput("params", f"must be an object, got {type(params).__name__}", where)
        declared = set(phrase.param_names)
        for name in sorted(str(key) for key in params if key not in declared):
            expected = ", ".join(phrase.param_names) or "none"
            raise InvalidInput(f"params.{name}", f"not a parameter of this phrase (expected: {expected})", where)
        checked: list[tuple[str, ParamValue]] = []
        for param in phrase.params:
            field = f"params.{param.name}"
            if param.name not in params:
                if param.optional:
                    continue
                raise InvalidInput(field, f"missing (a {self.describe_kind(param.kind)})", where)
            try:
                checked.append((param.name, self._check_value(param.kind, params[param.name], field)))
            except InvalidInput as error:
                raise error.at(where) from None
        return tuple(checked)

    def render(self, phrase_id: Any, params: Any, language: Language | str) -> str:
        """The phrase in ``language`` with ``params`` (validated first) written for that reader."""
        phrase = self.phrase(phrase_id)
        values = dict(self.check_params(phrase_id, params))
        reader = Language(language)
        kinds = {param.name: param.kind for param in phrase.params}
        out: list[str] = []
        for segment, optional in _segments(phrase.text(reader)):
            pieces = list(_pieces(segment))
            if optional and any(name is not None and name not in values for _, name, _ in pieces):
                continue  # a parameter the message lacks: the segment that says it is left out
            for literal, name, form in pieces:
                out.append(literal)
                if name is not None:
                    out.append(self._format_value(kinds[name], values[name], reader, form))
        return "".join(out)

    def example_params(self, phrase_id: str) -> dict[str, Any]:
        """Valid sample parameters for ``phrase_id`` (for docs, previews and tests), as plain data."""
        return {
            param.name: wire_value(_EXAMPLES[ParamKind(param.kind)])
            if param.kind in _SCALAR_KINDS
            else next(iter(self.enums[param.kind]))
            for param in self.phrase(phrase_id).params
        }

    def describe_kind(self, kind: str) -> str:
        if kind in self.enums:
            return f"one of {', '.join(self.enums[kind])}"
        return f"{kind}: {ParamKind(kind).help}"

    def as_dict(self) -> dict[str, Any]:
        """The catalogue in its JSON structure (what ``from_dict`` reads), e.g. for the UI's phrase picker."""
        return {
            "format": _CATALOGUE_FORMAT,
            "languages": [language.value for language in Language],
            "units": {
                kind.value: {language.value: dict(words) for language, words in by_language.items()}
                for kind, by_language in self.units.items()
            },
            "enums": {
                name: {
                    value: {language.value: dict(forms) for language, forms in by_language.items()}
                    for value, by_language in values.items()
                }
                for name, values in self.enums.items()
            },
            "phrases": [
                {
                    "id": phrase.phrase_id,
                    "params": {param.name: param.kind for param in phrase.params},
                    **(
                        {"optional": [param.name for param in phrase.params if param.optional]}
                        if any(param.optional for param in phrase.params)
                        else {}
                    ),
                    "text": {language.value: phrase.texts[language] for language in Language},
                }
                for phrase in self.phrases.values()
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Catalogue:
        """A catalogue from its JSON structure, refusing anything incomplete or inconsistent."""
        try:
            return _build(data)
        except InvalidInput as error:
            raise error.at(_WHERE) from None

    def _check_value(self, kind: str, value: Any, field: str) -> ParamValue:
        if kind in self.enums:
            if not isinstance(value, str) or value not in self.enums[kind]:
                raise InvalidInput(field, f"must be one of {', '.join(self.enums[kind])}, got {value!r}")
            return value
        return check_param(ParamKind(kind), value, field)

    def _format_value(self, kind: str, value: ParamValue, language: Language, form: str) -> str:
        if kind in self.enums:
            return self.enums[kind][str(value)][language][form]
        unit_kind = ParamKind(kind)
        unit_words = self.units[unit_kind][language] if unit_kind.has_unit else {}
        return format_param(unit_kind, value, language, unit_words)


def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package, read from its data files and checked."""
    resource = files("airparley.hotline").joinpath("phrases").joinpath("catalogue.json")
    return Catalogue.from_dict(json.loads(resource.read_text(encoding="utf-8")))


def _pieces(template: str) -> Iterator[tuple[str, str | None, str]]:
    """(literal text, parameter name or None, form) for each piece of a template."""
    for literal, name, form, conversion in string.Formatter().parse(template):
        if conversion is not None:
            raise InvalidInput("text", f"conversions such as !{conversion} are not allowed in {template!r}")
        yield literal, name, form or ""


def _segments(template: str) -> list[tuple[str, bool]]:
    """The template cut into (text, optional) runs: ``[...]`` marks an optional one (not nested)."""
    runs: list[tuple[str, bool]] = []
    for index, run in enumerate(re.split(r"\[([^\[\]]*)\]", template)):
        if "[" in run or "]" in run:
            raise ValueError(f"unbalanced or nested [ ] in {template!r}")
        if run:
            runs.append((run, index % 2 == 1))
    return runs


def _build(data: Any) -> Catalogue:
    top = mapping(data, "catalogue", {"format", "languages", "units", "enums", "phrases"})
    if top["format"] != _CATALOGUE_FORMAT:
        raise InvalidInput("format", f"must be {_CATALOGUE_FORMAT}, got {top['format']!r}")
    if sorted(sequence(top["languages"], "languages")) != sorted(language.value for language in Language):
        raise InvalidInput("languages", f"must be exactly {', '.join(language.value for language in Language)}")
    units = _build_units(top["units"])
    enums = _build_enums(top["enums"])
    phrases: dict[str, Phrase] = {}
    for index, entry in enumerate(sequence(top["phrases"], "phrases")):
        phrase = _build_phrase(entry, f"phrases.{index}", enums)
        if phrase.phrase_id in phrases:
            raise InvalidInput(f"phrases.{index}.id", f"duplicate phrase id {phrase.phrase_id!r}")
        phrases[phrase.phrase_id] = phrase
    return Catalogue(phrases=MappingProxyType(phrases), enums=enums, units=units)


def _words_per_language(data: Any, field: str) -> Mapping[Language, Mapping[str, str]]:
    by_language = mapping(data, field, {language.value for language in Language})
    built: dict[Language, Mapping[str, str]] = {}
    for language in Language:
        words = mapping(by_language[language.value], f"{field}.{language.value}", set(by_language[language.value]))
        for key, word in words.items():
            if not isinstance(word, str) or not word.strip():
                raise InvalidInput(f"{field}.{language.value}.{key}", "must be non-empty text")
        built[language] = MappingProxyType(dict(words))
    return MappingProxyType(built)


def _build_units(data: Any) -> Mapping[ParamKind, Mapping[Language, Mapping[str, str]]]:
    kinds = {kind.value for kind in ParamKind if kind.has_unit}
    section = mapping(data, "units", kinds)
    units: dict[ParamKind, Mapping[Language, Mapping[str, str]]] = {}
    for kind_name in sorted(kinds):
        by_language = _words_per_language(section[kind_name], f"units.{kind_name}")
        for language, words in by_language.items():
            if "other" not in words:
                raise InvalidInput(f"units.{kind_name}.{language.value}.other", "missing (the fallback plural form)")
            unknown = set(words) - {"zero", "one", "two", "few", "many", "other"}
            if unknown:
                raise InvalidInput(
                    f"units.{kind_name}.{language.value}", f"unknown plural categories {sorted(unknown)}"
                )
        units[ParamKind(kind_name)] = by_language
    return MappingProxyType(units)


def _build_enums(data: Any) -> Mapping[str, Mapping[str, Mapping[Language, Mapping[str, str]]]]:
    if not isinstance(data, Mapping):
        raise InvalidInput("enums", "must be an object")
    enums: dict[str, Mapping[str, Mapping[Language, Mapping[str, str]]]] = {}
    for name, values in data.items():
        if not isinstance(name, str) or _IDENTIFIER.fullmatch(name) is None or name in _SCALAR_KINDS:
            raise InvalidInput(f"enums.{name}", "must be a new lower-case identifier (not a parameter kind)")
        if not isinstance(values, Mapping) or not values:
            raise InvalidInput(f"enums.{name}", "must map at least one value to its translations")
        enums[name] = MappingProxyType(
            {str(value): _words_per_language(words, f"enums.{name}.{value}") for value, words in values.items()}
        )
    return MappingProxyType(enums)


def _build_phrase(
    data: Any, field: str, enums: Mapping[str, Mapping[str, Mapping[Language, Mapping[str, str]]]]
) -> Phrase:
    entry = mapping(data, field, {"id", "params", "optional", "text"}, {"id", "params", "text"})
    phrase_id = entry["id"]
    if not isinstance(phrase_id, str) or _IDENTIFIER.fullmatch(phrase_id) is None:
        raise InvalidInput(f"{field}.id", f"must be a lower-case identifier, got {phrase_id!r}")
    declared = entry["params"]
    if not isinstance(declared, Mapping):
        raise InvalidInput(f"{field}.params", "must map parameter names to kinds")
    params: list[PhraseParam] = []
    for name, kind in declared.items():
        if not isinstance(name, str) or _IDENTIFIER.fullmatch(name) is None:
            raise InvalidInput(f"{field}.params.{name}", "must be a lower-case identifier")
        if kind not in enums and kind not in _SCALAR_KINDS:
            raise InvalidInput(f"{field}.params.{name}", f"unknown parameter kind {kind!r}")
        params.append(PhraseParam(name, kind))
    optional = sequence(entry.get("optional", []), f"{field}.optional")
    for name in optional:
        if name not in declared:
            raise InvalidInput(f"{field}.optional", f"{name!r} is not a declared parameter")
    params = [PhraseParam(param.name, param.kind, param.name in optional) for param in params]
    kinds = {param.name: param.kind for param in params}
    texts_data = mapping(entry["text"], f"{field}.text", {language.value for language in Language})
    texts: dict[Language, str] = {}
    for language in Language:
        text_field = f"{field}.text.{language.value}"
        template = texts_data[language.value]
        if not isinstance(template, str) or not template.strip():
            raise InvalidInput(text_field, "must be non-empty text")
        try:
            segments = _segments(template)
            pieces = [piece for segment, _ in segments for piece in _pieces(segment)]
        except ValueError as error:
            raise InvalidInput(text_field, f"malformed template: {error}") from None
        for segment, in_brackets in segments:
            names = {name for _, name, _ in _pieces(segment) if name is not None}
            if in_brackets and not names & set(optional):
                raise InvalidInput(text_field, f"[{segment}] names no optional parameter: it would always show")
            if not in_brackets and names & set(optional):
                name = sorted(names & set(optional))[0]
                raise InvalidInput(text_field, f"{{{name}}} is optional: put it in a [ ] segment")
        used = {name for _, name, _ in pieces if name is not None}
        if used != set(kinds):
            raise InvalidInput(
                text_field, f"placeholders {sorted(used)} differ from the declared parameters {sorted(kinds)}"
            )
        for _, name, form in pieces:
            if name is None:
                continue
            if kinds[name] in enums:
                if not form:
                    raise InvalidInput(
                        text_field, f"{{{name}}} is enumerated: name the form, e.g. {{{name}:imperative}}"
                    )
                missing = [value for value, words in enums[kinds[name]].items() if form not in words[language]]
                if missing:
                    raise InvalidInput(text_field, f"{{{name}:{form}}}: no {form!r} form for {missing}")
            elif form:
                raise InvalidInput(text_field, f"{{{name}:{form}}}: only enumerated parameters take a form")
        texts[language] = template
    return Phrase(phrase_id=phrase_id, params=tuple(params), texts=MappingProxyType(texts))
