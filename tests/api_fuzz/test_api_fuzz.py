"""Schemathesis against the app's own OpenAPI document (/api/openapi.json).

The ASGI app runs in-process on its own small demo store (fuzzed writes must not disturb the
browser tests' server); every request carries an admin API token.  For every operation and
every generated request — valid and invalid ones — the app must not answer 5xx, and what it
answers must conform to the document (schema, content type).  The number of examples per
operation and mode is bounded (RASHINBAN_FUZZ_EXAMPLES, default 6) so the module runs in well under
a minute on two cores.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from rashinban.demo import DemoConfig, generate
from rashinban.store import Store
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.svc import facade

EXAMPLES = int(os.environ.get("RASHINBAN_FUZZ_EXAMPLES", "6"))
TIMINGS = os.environ.get("RASHINBAN_FUZZ_TIMINGS")  # write per-operation seconds here
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb"
    store = Store.open(str(path))
    try:
        config = DemoConfig.build(scale="small", reps=6, months=6, seed=5, password="fuzz-pass-123")
        generate(store, config, model_out=path.with_name(f"{path.stem}.model.yaml"))
        token = facade(store).accounts.create_token("admin", "schemathesis")
    finally:
        store.dispose()
    return path, token


@pytest.fixture(scope="module")
def api_schema(fuzz_store: tuple[Path, str]) -> schemathesis.BaseSchema:
    path, token = fuzz_store
    app = create_app(WebSettings(db=str(path), secret_key="fuzz-secret"))
    auth = {"Authorization": f"Bearer {token}"}  # the document is for signed-in users only
    return schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=auth)


@pytest.fixture(scope="module")
def token(fuzz_store: tuple[Path, str]) -> str:
    return fuzz_store[1]


def test_api_never_fails_and_conforms(api_schema: schemathesis.BaseSchema, token: str) -> None:
    """Every operation, positive and negative examples (``from_fixture`` lazy loading does not
    work with this pytest, so the operations are walked here with their Hypothesis strategies)."""
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    timings: list[tuple[float, str]] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # reads first, then writes, administration last (a fuzzed admin call may change users)
    operations.sort(key=lambda op: (op.path.startswith("/api/admin"), op.method.upper() != "GET", op.label))
    assert operations, "the OpenAPI document lists no operation"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=auth, checks=CHECKS)

            started = time.perf_counter()
            try:
                run()
            except Unsatisfiable:
                pass  # nothing in this operation can be made invalid (or valid)
            except Exception as e:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} [{mode.value}]: {e}")
            timings.append((time.perf_counter() - started, f"{operation.label} [{mode.value}]"))
    if TIMINGS:
        Path(TIMINGS).write_text(
            "\n".join(f"{s:6.2f}s {label}" for s, label in sorted(timings, reverse=True))
        )
    assert not failures, "\n\n".join(failures)


def test_the_document_lists_the_api(api_schema: schemathesis.BaseSchema) -> None:
    """The OpenAPI document describes the JSON API (pages and forms stay out of it)."""
    paths = [op.path for op in (r.ok() for r in api_schema.get_all_operations())]
    assert all(p.startswith("/api/") for p in paths), paths
