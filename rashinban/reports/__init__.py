"""Reports: PDF, XLSX and HTML built from the same read models as the JSON twins (their
``model_dump``), never from the store.  ``views`` and ``meetings`` build a
:class:`~rashinban.reports.document.Document`; ``render`` turns it into a file."""

from __future__ import annotations

from rashinban.reports.document import Document
from rashinban.reports.meetings import one_on_one, review
from rashinban.reports.render import CONTENT_TYPES, ReportError, japanese_font, render
from rashinban.reports.views import funnel, status, tree_doc

FORMATS = ("pdf", "xlsx", "html")

__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "Document",
    "ReportError",
    "funnel",
    "japanese_font",
    "one_on_one",
    "render",
    "review",
    "status",
    "tree_doc",
]
