"""The same demo on PostgreSQL (COPY) as on DuckDB (Arrow scan); the CLI; the large plan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rashinban.cli import main
from rashinban.demo import generate
from rashinban.demo.config import DemoConfig
from rashinban.demo.context import COUNTED, Ctx, Ids, make_calendar
from rashinban.demo.org import PRODUCTS, build_accounts, build_org
from rashinban.demo.pipeline import _chunks
from rashinban.errors import UsageError
from rashinban.store.db import Store
from tests.demo.conftest import content_hash, small_config


@pytest.mark.postgres
def test_postgres_gets_exactly_the_duckdb_rows(pg_url: str, tmp_path: Path) -> None:
    cfg = small_config(seed=3, reps=5, months=2)
    duck = Store.open(str(tmp_path / "d.duckdb"))
    pg = Store.open(pg_url)
    try:
        r1 = generate(duck, cfg)
        r2 = generate(pg, cfg)
        assert r1.rows == r2.rows
        assert content_hash(duck) == content_hash(pg)
        with pytest.raises(UsageError) as e:
            generate(pg, cfg)
        assert e.value.code == "demo_exists"
        generate(pg, cfg, replace=True)  # replaces the demo rows and users
        assert content_hash(duck) == content_hash(pg)
    finally:
        duck.dispose()
        pg.dispose()


def test_cli_generate_json_replace_and_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sub" / "cli.duckdb"
    args = [
        "demo",
        "generate",
        "--db",
        str(db),
        "--reps",
        "5",
        "--months",
        "3",
        "--end-month",
        "2026-03",
        "--seed",
        "5",
        "--password",
        "pw-1",
        "--json",
    ]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["users"] == 4 + 5 and out["rows"]["leads"] > 0  # admin, manager, partner, client
    model = Path(out["model"])
    assert model == tmp_path / "sub" / "cli.model.yaml" and model.exists()
    assert main(["plan", str(model), "--json"]) == 0
    capsys.readouterr()
    assert main(["check", str(model)]) == 0
    capsys.readouterr()
    assert main(args) == 2  # demo data already there
    assert "--replace" in capsys.readouterr().err
    other = tmp_path / "m.yaml"
    assert main([*args, "--replace", "--model-out", str(other)]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == str(other)
    assert (
        main(
            [
                "--lang",
                "ja",
                "demo",
                "generate",
                "--db",
                str(tmp_path / "x.duckdb"),
                "--reps",
                "4",
                "--months",
                "2",
                "--end-month",
                "2026-03",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "デモデータ" in text and "rep001" in text


def test_large_scale_plan_reaches_the_volumes_in_bounded_chunks() -> None:
    """The large plan: ≥ 2,000,000 leads (and so ≥ 500,000 deals and ≥ 10,000,000 activities,
    at 0.28 deals and 5.8 activities per lead in the small runs) in chunks of bounded size."""
    cfg = DemoConfig.build(scale="large", end_month="2026-10")
    assert (cfg.reps, cfg.months) == (200, 24)
    org = build_org(cfg, 1, 1)
    ids = Ids(dict.fromkeys(COUNTED, 1))
    ctx = Ctx(cfg, org, build_accounts(cfg, 1), PRODUCTS, np.arange(len(PRODUCTS)), make_calendar(cfg), ids)
    plan = _chunks(ctx)
    window = [n for start, n, _, _ in plan if start >= cfg.start]
    assert sum(window) >= 2_000_000
    assert max(n for _, n, _, _ in plan) <= cfg.chunk_leads
