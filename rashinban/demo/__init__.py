"""Demo data: a realistic Japanese B2B sales organisation and its history, generated
deterministically for a seed, in vectorised chunks that stream into the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rashinban.demo.config import DemoConfig, Scale

if TYPE_CHECKING:  # the generator (NumPy, the store) is imported on first use: the CLI starts fast
    from rashinban.demo.pipeline import DemoResult, Progress, generate

__all__ = ["DemoConfig", "DemoResult", "Progress", "Scale", "generate"]


def __getattr__(name: str) -> Any:
    if name not in ("DemoResult", "Progress", "generate"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rashinban.demo import pipeline

    return getattr(pipeline, name)
