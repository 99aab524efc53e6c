"""A synthetic Salesforce Task export (activities), written fast and deterministically.

Subjects and names carry the characters that Shift_JIS loses and CP932 keeps (①, ㈱,
髙, ～), dates come in both ``2026/3/31`` and ISO form, and ``CreatedDate`` is the API's
``2024-01-22T16:14:25.000+0000``.
"""

from __future__ import annotations

import random
from pathlib import Path

HEADER = "Id,WhoId,WhatId,Subject,ActivityDate,Status,OwnerId,CallDurationInSeconds,Type,CreatedDate\n"
SUBJECTS = (
    "架電：①初回ヒアリング",
    "㈱髙島屋商事 訪問",
    "提案資料送付～見積",
    "Web会議 デモ",
    "フォローメール",
)
TYPES = ("Call", "Email", "Meeting", "Web Meeting", "Call")
STATUSES = ("Completed", "Not Started", "Completed")


def write_activities(path: Path, rows: int, encoding: str = "utf-8", seed: int = 7) -> Path:
    rnd = random.Random(seed)
    owners = [f"005R{i:014d}" for i in range(60)]
    lines = [HEADER]
    with path.open("w", encoding=encoding, newline="") as f:
        for i in range(rows):
            month = 1 + i % 12
            day = 1 + (i * 7) % 28
            date = f"2025/{month}/{day}" if i % 2 else f"2025-{month:02d}-{day:02d}"
            t = i % 5
            what = f"006R{i % 50_000:014d}" if i % 3 == 0 else ""
            duration = str(rnd.randrange(30, 1800)) if TYPES[t] == "Call" else ""
            lines.append(
                f"00TR{i:014d},00QR{i % 200_000:014d},{what},{SUBJECTS[t]},{date},{STATUSES[i % 3]},"
                f"{owners[i % 60]},{duration},{TYPES[t]},"
                f"2025-{month:02d}-{day:02d}T0{i % 10}:15:00.000+0000\n"
            )
            if len(lines) >= 50_000:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))
    return path
