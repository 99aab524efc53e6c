"""Reports of the status, the KPI tree, the funnel, a review meeting and a 1on1 as PDF, XLSX
or HTML — from the same read models as the pages' JSON twins (so the same checks of role and
scope apply), rendered by :mod:`rashinban.reports`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rashinban import reports
from rashinban.app.context import AppContext
from rashinban.errors import UsageError
from rashinban.org.roles import Permission

ModelPath = str | Path | None
KINDS = ("status", "tree", "funnel", "review", "oneonone")


@dataclass(frozen=True)
class ReportFile:
    name: str  # the file name to save it as
    content_type: str
    data: bytes


class Reports:
    def __init__(self, ctx: AppContext, dashboards: Any, reviews: Any, one_on_ones: Any) -> None:
        self.ctx = ctx
        self.dashboards = dashboards
        self.reviews = reviews
        self.one_on_ones = one_on_ones

    def _file(self, doc: reports.Document, fmt: str) -> ReportFile:
        if fmt not in reports.FORMATS:
            raise UsageError(
                "option_bad_choice", option="--format", value=fmt, allowed=", ".join(reports.FORMATS)
            )
        data = reports.render(doc, fmt)
        return ReportFile(f"{doc.file_stem}.{fmt}", reports.CONTENT_TYPES[fmt], data)

    def _generated(self) -> str:
        return self.ctx.now().strftime("%Y-%m-%d %H:%M")

    def status(
        self,
        scope: str | None = None,
        period: str | None = None,
        fmt: str = "pdf",
        model_path: ModelPath = None,
    ) -> ReportFile:
        """The KGI and every KPI of a scope in a month, the KGI's trend and breakdown."""
        self.ctx.require(Permission.READ)
        tree = self.dashboards.tree(model_path, period, scope)
        detail = self.dashboards.node(model_path, tree.kgi, tree.period, scope)
        doc = reports.status(
            tree.model_dump(mode="json"), detail.model_dump(mode="json"), self.ctx.lang, self._generated()
        )
        return self._file(doc, fmt)

    def tree(
        self,
        scope: str | None = None,
        period: str | None = None,
        fmt: str = "pdf",
        model_path: ModelPath = None,
    ) -> ReportFile:
        self.ctx.require(Permission.READ)
        tree = self.dashboards.tree(model_path, period, scope)
        return self._file(
            reports.tree_doc(tree.model_dump(mode="json"), self.ctx.lang, self._generated()), fmt
        )

    def funnel(
        self,
        scope: str | None = None,
        period: str | None = None,
        fmt: str = "pdf",
        model_path: ModelPath = None,
    ) -> ReportFile:
        self.ctx.require(Permission.READ)
        data = self.dashboards.funnel(model_path, period, scope)
        return self._file(reports.funnel(data.model_dump(mode="json"), self.ctx.lang, self._generated()), fmt)

    def review(self, meeting_id: int, fmt: str = "pdf") -> ReportFile:
        m = self.reviews.meeting(meeting_id)
        return self._file(reports.review(m.model_dump(mode="json"), self.ctx.lang, self._generated()), fmt)

    def oneonone(self, one_id: int, fmt: str = "pdf") -> ReportFile:
        o = self.one_on_ones.get(one_id)
        return self._file(
            reports.one_on_one(o.model_dump(mode="json"), self.ctx.lang, self._generated()), fmt
        )


__all__ = ["KINDS", "ReportFile", "Reports"]
