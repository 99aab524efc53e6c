"""admin pages and their JSON twins (to be filled in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
