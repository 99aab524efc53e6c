"""The PySpark engine: the same measures, computed by a local Spark session.

``spark_connection(store)`` exports the store's canonical fact tables to Parquet in a cache
directory (DuckDB: ``COPY … TO … (FORMAT parquet)`` on the store's own connection;
PostgreSQL: streamed in batches through pyarrow), registers each file as a Spark view under
the canonical table name and returns an Ibis PySpark backend over them.  The metrics engine
then runs unchanged.

One Spark session serves the whole process (``local[2]``, a small driver, no UI, quiet
logs, no network); it is stopped at exit.  Each connection gets its own Spark SQL session
over that context, so the views of two stores never clash; its exported files are removed
at exit.  Everything here works offline.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rashinban.errors import RashinbanError
from rashinban.store import Store
from rashinban.store import schema as s

BATCH_ROWS = 100_000
DRIVER_MEMORY = os.environ.get("RASHINBAN_SPARK_MEMORY", "1g")
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""

_lock = threading.Lock()
_state: dict[str, Any] = {"session": None}  # the process's one Spark session
_exports: list[Path] = []


class SparkError(RashinbanError):
    """The local Spark engine cannot be started or cannot read the store."""

    exit_code = 3


def cache_root() -> Path:
    """Where exported Parquet files live (``RASHINBAN_SPARK_CACHE`` or the temp dir)."""
    env = os.environ.get("RASHINBAN_SPARK_CACHE")
    root = Path(env) if env else Path(tempfile.gettempdir()) / f"rashinban-spark-{os.getuid()}"
    root.mkdir(parents=True, exist_ok=True)
    return root


def spark_session() -> Any:
    """The process's one local Spark session, started on first use."""
    with _lock:
        current = _state["session"]
        if current is not None and current.sparkContext._jsc is not None:
            return current
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:  # pragma: no cover - depends on the install
            raise SparkError("spark_unavailable", reason=f"pyspark is not installed ({e})") from e
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        log4j = cache_root() / "log4j2.properties"
        if not log4j.exists():
            log4j.write_text(_LOG4J, encoding="utf-8")
        java_opts = f"-Dlog4j.configurationFile=file:{log4j} -Dlog4j2.configurationFile=file:{log4j}"
        builder = (
            SparkSession.builder.master("local[2]")
            .appName("rashinban")
            .config("spark.driver.memory", DRIVER_MEMORY)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.extraJavaOptions", java_opts)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", str(cache_root() / "warehouse"))
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        )
        try:
            session = builder.getOrCreate()
        except Exception as e:  # Java missing, port refused, …
            raise SparkError("spark_unavailable", reason=str(e).splitlines()[0] if str(e) else repr(e)) from e
        session.sparkContext.setLogLevel("ERROR")
        _state["session"] = session
        return session


def stop_spark() -> None:
    """Stop the session (if any) and remove this process's exported files."""
    with _lock:
        session, _state["session"] = _state["session"], None
        if session is not None:
            session.stop()
        while _exports:
            shutil.rmtree(_exports.pop(), ignore_errors=True)


atexit.register(stop_spark)


def _fact_tables(store: Store) -> list[sa.Table]:
    """The tables the metrics engine reads: organisation and the measured facts."""
    from rashinban.metrics.tables import TABLES

    wanted = {"teams", "members", "deal_stage_history", *TABLES}
    present = set(sa.inspect(store.engine).get_table_names())
    return [t for t in s.FACT_TABLES if t.name in present and t.name in wanted]


def spark_ddl(table: sa.Table) -> str:
    """The Spark schema of a canonical table (given to the reader: no inference job)."""
    cols = []
    for c in table.columns:
        ct = c.type
        if isinstance(ct, sa.BigInteger):
            typ = "BIGINT"
        elif isinstance(ct, sa.Integer):
            typ = "INT"
        elif isinstance(ct, sa.Boolean):
            typ = "BOOLEAN"
        elif isinstance(ct, sa.DateTime):
            typ = "TIMESTAMP_NTZ"
        elif isinstance(ct, sa.Date):
            typ = "DATE"
        elif isinstance(ct, sa.Numeric):
            typ = f"DECIMAL({ct.precision or 38},{ct.scale or 0})"
        else:
            typ = "STRING"
        cols.append(f"`{c.name}` {typ}")
    return ", ".join(cols)


def export_parquet(store: Store, dest: Path) -> dict[str, Path]:
    """Each canonical fact table of ``store`` as ``dest/<table>.parquet``."""
    dest.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    tables = _fact_tables(store)
    if store.is_duckdb:
        with store.engine.connect() as conn:
            for t in tables:
                path = dest / f"{t.name}.parquet"
                literal = str(path).replace("'", "''")
                cols = ", ".join(f'"{c.name}"' for c in t.columns)  # in the schema's order
                conn.exec_driver_sql(
                    f"COPY (SELECT {cols} FROM \"{t.name}\") TO '{literal}' (FORMAT parquet)"
                )
                out[t.name] = path
        return out
    for t in tables:
        path = dest / f"{t.name}.parquet"
        _stream_to_parquet(store, t, path)
        out[t.name] = path
    return out


def arrow_schema(table: sa.Table) -> Any:
    """The Arrow schema of a canonical table, from its SQLAlchemy column types."""
    import pyarrow as pa

    fields = []
    for c in table.columns:
        ct = c.type
        typ: Any
        if isinstance(ct, sa.BigInteger):
            typ = pa.int64()
        elif isinstance(ct, sa.Integer):
            typ = pa.int32()
        elif isinstance(ct, sa.Boolean):
            typ = pa.bool_()
        elif isinstance(ct, sa.DateTime):
            typ = pa.timestamp("us")
        elif isinstance(ct, sa.Date):
            typ = pa.date32()
        elif isinstance(ct, sa.Numeric):
            typ = pa.decimal128(ct.precision or 38, ct.scale or 0)
        else:
            typ = pa.string()
        fields.append(pa.field(c.name, typ, nullable=True))
    return pa.schema(fields)


def _batches(store: Store, table: sa.Table) -> Iterator[list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
            sa.select(table).order_by(table.c.id)
        )
        yield from result.partitions(BATCH_ROWS)  # type: ignore[misc]


def _stream_to_parquet(store: Store, table: sa.Table, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    with pq.ParquetWriter(path, schema) as writer:
        for rows in _batches(store, table):
            cols = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
            arrays = [pa.array(list(col), type=f.type) for col, f in zip(cols, schema, strict=True)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        # an empty table still gets a file with its schema (the writer writes it on close)


def spark_connection(store: Store, cache_dir: Path | None = None) -> Any:
    """An Ibis PySpark backend reading ``store``'s canonical facts."""
    import ibis

    session = spark_session()
    root = cache_dir or cache_root()
    key = hashlib.sha256(store.url.encode()).hexdigest()[:16]
    dest = root / key / uuid.uuid4().hex[:12]
    try:
        files = export_parquet(store, dest)
    except sa.exc.SQLAlchemyError as e:
        shutil.rmtree(dest, ignore_errors=True)
        raise SparkError("spark_export_failed", url=store.url, reason=str(e).splitlines()[0]) from e
    with _lock:
        _exports.append(dest)
    # a session of its own (sharing the one SparkContext): its views do not clash with those
    # of another store read in the same process
    own = session.newSession()
    for name, path in files.items():
        ddl = spark_ddl(s.metadata.tables[name])
        own.read.schema(ddl).parquet(str(path)).createOrReplaceTempView(name)
    return ibis.pyspark.connect(own)


__all__ = ["SparkError", "export_parquet", "spark_connection", "spark_session", "stop_spark"]
