"""The built-in presets (``presets/*.yaml``) and the ``generic`` preset's mapping files."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rashinban.errors import IngestError
from rashinban.ingest.spec import Preset, parse_preset

GENERIC = "generic"


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise IngestError("mapping_bad_yaml", path=where, problem=str(e).splitlines()[0]) from None
    if not isinstance(data, dict):
        raise IngestError("mapping_bad_yaml", path=where, problem="expected a mapping (table, key, columns)")
    return data


@cache
def builtin_presets() -> tuple[Preset, ...]:
    folder = resources.files("rashinban.ingest") / "presets"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out.append(parse_preset(_load_yaml(entry.read_text(encoding="utf-8"), entry.name), entry.name))
    return tuple(out)


def preset_names() -> list[str]:
    return [p.name for p in builtin_presets()] + [GENERIC]


def get_preset(name: str, mapping: str | Path | None = None) -> Preset:
    if name == GENERIC:
        if mapping is None:
            raise IngestError("mapping_required")
        return load_mapping(mapping)
    for p in builtin_presets():
        if p.name == name:
            return p
    import difflib

    close = difflib.get_close_matches(name, preset_names(), n=1)
    raise IngestError(
        "preset_unknown",
        name=name,
        available=", ".join(preset_names()),
        suggestion=close[0] if close else None,
    )


def load_mapping(path: str | Path) -> Preset:
    """A user's mapping file: the shape of a preset (``table``, ``key``, ``columns``, ``source``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IngestError("file_not_found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise IngestError("file_unreadable", path=str(p), reason=str(e)) from None
    data = _load_yaml(text, str(p))
    data.setdefault("name", GENERIC)
    data.setdefault("source", p.stem)
    return parse_preset(data, str(p))
