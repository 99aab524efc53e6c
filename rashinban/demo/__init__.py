"""Demo data: a realistic Japanese B2B sales organisation and its history, generated
deterministically for a seed, in vectorised chunks that stream into the store."""

from rashinban.demo.config import DemoConfig, Scale
from rashinban.demo.pipeline import DemoResult, Progress, generate

__all__ = ["DemoConfig", "DemoResult", "Progress", "Scale", "generate"]
