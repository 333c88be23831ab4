"""Reading a scenario file: YAML from disk, notices files named in it relative to it (the sim's file I/O)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from airparley.errors import InvalidInput
from airparley.sim._model import Scenario
from airparley.sim._scenario import parse_scenario

__all__ = ["load_scenario"]


def load_scenario(path: Path) -> Scenario:
    """The validated scenario in ``path``; ``InvalidInput`` (or ``InvalidInputs``) naming every problem."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
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
    base = path.parent

    def load_geojson(name: str) -> Any:
        file = base / name
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInput("path", f"no such file {file}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput("path", f"cannot read {file}: {error}") from None
        except json.JSONDecodeError as error:
            raise InvalidInput("path", f"{file} is not valid JSON: {error.msg} at line {error.lineno}") from None

    return parse_scenario(document, source, load_geojson)
