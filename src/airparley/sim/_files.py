"""Reading a scenario file: YAML from disk, notices files named in it relative to it (the sim's file I/O).

The scenarios that ship with the package live in ``airparley/sim/scenarios/`` and are found with
:mod:`importlib.resources`, so an installed ``airparley demo`` plays its scene from any working directory.
A scenario is named either by a path to a YAML file or, when no such file exists, by the name of a shipped
scenario (``syria-iraq``, with or without ``.yaml``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import yaml

from airparley.errors import InvalidInput
from airparley.sim._model import Scenario
from airparley.sim._scenario import parse_scenario
from airparley.strategic import kml_to_geojson, looks_like_kml

__all__ = ["DEFAULT_SCENARIO", "ShippedScenario", "find_scenario", "load_scenario", "shipped_scenarios"]

#: The scene ``airparley demo`` plays when none is named (DESIGN section 8).
DEFAULT_SCENARIO: Final = "syria-iraq"
_SUFFIX: Final = ".yaml"


@dataclass(frozen=True)
class ShippedScenario:
    """A scenario that ships with the package: its name, its ``name:`` line, and where the file is."""

    name: str
    title: str
    location: str


def _shipped_folder() -> Traversable:
    return files("airparley.sim").joinpath("scenarios")


def shipped_scenarios() -> list[ShippedScenario]:
    """The scenarios in the package, by name (each file is read and validated: a shipped one must be)."""
    found = []
    for entry in sorted(_shipped_folder().iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(_SUFFIX):
            scenario = _load(entry, entry.name, _shipped_folder())
            found.append(ShippedScenario(entry.name.removesuffix(_SUFFIX), scenario.name, str(entry)))
    return found


def find_scenario(name_or_path: str | Path) -> Traversable:
    """The scenario file ``name_or_path`` names: a file on disk, else a shipped scenario of that name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    name = str(name_or_path).removesuffix(_SUFFIX)
    if name and "/" not in name and "\\" not in name:
        shipped = _shipped_folder().joinpath(name + _SUFFIX)
        if shipped.is_file():
            return shipped
    names = ", ".join(s.name for s in shipped_scenarios())
    raise InvalidInput("(file)", f"no such file, nor a scenario that ships with airparley ({names})", str(path))


def load_scenario(path: str | Path | Traversable) -> Scenario:
    """The validated scenario in the file ``path`` (a path, or a shipped scenario's name; see
    :func:`find_scenario`); ``InvalidInput`` (or ``InvalidInputs``) naming every problem."""
    file = path if not isinstance(path, str | Path) else find_scenario(path)
    if isinstance(file, Path):
        return _load(file, str(file), file.parent)
    return _load(file, str(file), _shipped_folder())


def _load(file: Traversable, source: str, base: Traversable) -> Scenario:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("(file)", "no such file", source) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput("(file)", f"cannot be read: {error}", source) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark is not None else source
        raise InvalidInput("(file)", f"not valid YAML: {getattr(error, 'problem', None) or error}", where) from None
    return parse_scenario(document, source, _geojson_reader(base))


def _geojson_reader(base: Traversable) -> Callable[[str], Any]:
    """Notices files named in a scenario are read relative to the scenario's folder, as GeoJSON, or as KML
    (told apart by content, as ``notice validate`` does) turned into the same GeoJSON by strategic's reader."""

    def load_geojson(name: str) -> Any:
        file = base.joinpath(name)
        try:
            text = file.read_text(encoding="utf-8")
            if looks_like_kml(text):
                read = kml_to_geojson(text)
                if read.errors:
                    raise InvalidInput(
                        "path", f"{file} is not a valid KML notices document: {read.errors[0].describe()}"
                    )
                return read.geojson
            return json.loads(text)
        except FileNotFoundError:
            raise InvalidInput("path", f"no such file {file}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput("path", f"cannot read {file}: {error}") from None
        except json.JSONDecodeError as error:
            raise InvalidInput("path", f"{file} is not valid JSON: {error.msg} at line {error.lineno}") from None

    return load_geojson
