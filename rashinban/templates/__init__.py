"""Sales-style templates shipped with the package (model files to start from)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

from rashinban.errors import UsageError
from rashinban.kpi.model import Model
from rashinban.kpi.modelfile import parse_model

ORDER = ("new_business", "route_sales", "inside_sales", "customer_success", "agency")


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    name: str
    name_en: str
    description: str
    description_en: str
    model: Model

    @property
    def main_kpis(self) -> list[str]:
        return [n.id for n in self.model.nodes.values() if n.role == "main"]


def _files() -> dict[str, str]:
    root = resources.files("rashinban.templates")
    return {tid: root.joinpath(f"{tid}.yaml").read_text(encoding="utf-8") for tid in ORDER}


def list_templates() -> list[TemplateInfo]:
    out = []
    for tid, text in _files().items():
        meta = yaml.safe_load(text).get("template", {})
        out.append(
            TemplateInfo(
                id=tid,
                name=meta.get("name", tid),
                name_en=meta.get("name_en", tid),
                description=meta.get("description", ""),
                description_en=meta.get("description_en", ""),
                model=parse_model(text, f"template:{tid}"),
            )
        )
    return out


def template_text(name: str) -> str:
    """The template's model text, by id (``new_business``) or Japanese name (新規開拓営業)."""
    files = _files()
    if name in files:
        return files[name]
    for text in files.values():
        meta = yaml.safe_load(text).get("template", {})
        if name in (meta.get("name"), meta.get("name_en")):
            return text
    raise UsageError("template_unknown", name=name, available=", ".join(files))
