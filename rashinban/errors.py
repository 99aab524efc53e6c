"""The one root exception and its families.

Errors carry a stable ``code`` (a key of the i18n catalogue), the parameters of the
message, and where the problem is (file, line, node).  The text is rendered at the edge
(CLI, web) in the user's language; ``str(error)`` gives the English text for logs.
"""

from __future__ import annotations

from typing import Any


class RashinbanError(Exception):
    """Root of every error Rashinban raises on purpose."""

    exit_code = 2
    http_status = 400
    retryable = False  # a job failing with it fails the same way again (StoreError: try later)

    def __init__(
        self,
        code: str,
        *,
        file: str | None = None,
        line: int | None = None,
        node: str | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.file = file
        self.line = line
        self.node = node
        self.params: dict[str, Any] = params

    def located(
        self, *, file: str | None = None, line: int | None = None, node: str | None = None
    ) -> RashinbanError:
        """Fill in location details that the raiser did not know."""
        self.file = self.file or file
        self.line = self.line or line
        self.node = self.node or node
        return self

    def __str__(self) -> str:
        from rashinban.i18n import render_error

        return render_error(self, "en")


class ModelError(RashinbanError):
    """A model file that cannot be read, parsed or solved."""


class FormulaError(ModelError):
    """A formula that cannot be parsed or evaluated."""


class PeriodError(RashinbanError):
    """A period name or date that cannot be understood."""


class UsageError(RashinbanError):
    """A command used with arguments that do not fit."""


class NotFoundError(RashinbanError):
    http_status = 404


class ForbiddenError(RashinbanError):
    """A scope (team, member) outside what the signed-in user may see."""

    http_status = 403


class StoreError(RashinbanError):
    """A store that cannot be opened, migrated or written."""

    retryable = True


class IngestError(RashinbanError):
    """A file that cannot be imported: unreadable, unmatched headers, invalid rows, bad preset."""


class ConflictError(RashinbanError):
    """A request that contradicts what is stored (an idempotency key reused with another body)."""

    http_status = 409


class LimitError(RashinbanError):
    """A request beyond a documented limit (a period range, a number, the rows one save writes)."""

    http_status = 422


class Interrupted(RashinbanError):
    """Ctrl-C: the message says what was committed (an import: all of it, or nothing)."""

    exit_code = 130


class FormInvalid(RashinbanError):
    """Field errors of a form: ``fields`` maps a field name to an i18n key under ``forms.err``,
    so the web layer can put each message next to its field (or return them as JSON)."""

    http_status = 422

    def __init__(self, fields: dict[str, str], **params: Any) -> None:
        super().__init__("form_invalid", count=len(fields), **params)
        self.fields = fields
