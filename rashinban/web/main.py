"""Entry point for uvicorn workers: settings come from the environment."""

from __future__ import annotations

import os

from fastapi import FastAPI

from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings


def app_from_env() -> FastAPI:
    return create_app(
        WebSettings(
            db=os.environ.get("RASHINBAN_DB"),
            model=os.environ.get("RASHINBAN_MODEL"),
            https=os.environ.get("RASHINBAN_HTTPS") == "1",
            jobs=os.environ.get("RASHINBAN_JOBS", "1") != "0",
        )
    )
