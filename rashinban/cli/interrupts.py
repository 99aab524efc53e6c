"""Ctrl-C during a command that writes: either everything was committed, or nothing was.

:class:`CommitGuard` replaces the SIGINT handler while an import runs.  Before the commit a
Ctrl-C stops the work at once (``KeyboardInterrupt``: the transaction rolls back, the store
is as it was).  From the moment the commit starts, a Ctrl-C is only remembered: the commit
completes, the result is printed, and one line says that the interrupt came too late to
stop anything — a committed import never reports failure (after the command, Ctrl-C is
ignored until the process has exited).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class CommitGuard:
    def __init__(self) -> None:
        self.state = "running"  # running | committing | committed
        self.interrupted = False  # Ctrl-C while running (the work was stopped)
        self.late = False  # Ctrl-C while committing or after (the work was kept)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.state == "running":
            self.interrupted = True
            raise KeyboardInterrupt
        self.late = True

    @contextmanager
    def installed(self) -> Iterator[CommitGuard]:
        try:
            previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread (an embedding caller): leave signals alone
            yield self
            return
        try:
            yield self
        finally:
            # committed: from here to the process's end (its teardown included, where Python
            # would restore the default handler) a Ctrl-C must not turn it into a failure
            signal.signal(signal.SIGINT, previous if self.state != "committed" else signal.SIG_IGN)

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Around the commit: Ctrl-C waits until it is done."""
        self.state = "committing"
        try:
            yield
        except BaseException:
            self.state = "running"
            raise
        self.state = "committed"
