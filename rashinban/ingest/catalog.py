"""What the presets expect, as plain data for ``rashinban presets`` and the web UI."""

from __future__ import annotations

from typing import Any

from rashinban.i18n import t
from rashinban.ingest.presets import GENERIC, builtin_presets


def preset_infos(lang: str = "en") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in builtin_presets():
        parts = []
        for part in p.parts:
            required = {alts[0] for alts in part.required_headers()}
            columns = []
            for header in part.headers:
                columns.append({"header": header, "required": header in required})
            parts.append(
                {
                    "file": part.file,
                    "table": part.table,
                    "label": part.label,
                    "key": [list(k) for k in part.keys],
                    "columns": columns,
                    "mapping": {
                        c.target: list(c.sources) if c.sources else {"const": c.const} for c in part.columns
                    },
                }
            )
        out.append(
            {
                "name": p.name,
                "source": p.source,
                "description": p.description_ja if lang == "ja" else p.description,
                "tables": list(dict.fromkeys(part.table for part in p.parts)),
                "parts": parts,
            }
        )
    out.append(
        {
            "name": GENERIC,
            "source": "(mapping)",
            "description": t("import.generic_description", lang),
            "tables": [],
            "parts": [],
        }
    )
    return out
