"""The signed-in user as every layer sees it (loaded by ``store.users``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str  # a ``Role`` value
    member_id: int | None
    team_id: int | None
    locale: str | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username
