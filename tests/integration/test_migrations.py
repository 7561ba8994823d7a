"""Migrations as an operator runs them: the alembic CLI from the repository root, and
`shutter migrate`. `alembic check` fails when the tables in the code and the migrations
drift apart."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from shutter.db.migrate import alembic_config
from shutter.db.tables import metadata
from tests import services

REPO_ROOT = Path(__file__).resolve().parents[2]
# Probed like conftest probes the distributed profile; under CI=true conftest has already
# stopped the run if PostgreSQL is missing, so this skip only ever happens on a laptop.
_POSTGRES_PROBLEM = services.probe().missing.get("postgresql")
needs_postgres = pytest.mark.skipif(
    _POSTGRES_PROBLEM is not None, reason=f"PostgreSQL missing: {_POSTGRES_PROBLEM}"
)


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # SHUTTER_* variables were cleared by conftest; the ones given here are the only ones.
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _alembic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The alembic CLI from the repository root (alembic.ini there, URL from the settings)."""
    return _run(
        [sys.executable, "-m", "alembic", *args], REPO_ROOT, SHUTTER_DATABASE_URL=database_url
    )


def _assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    import asyncpg

    admin = services.POSTGRES_URL.replace("+asyncpg", "")
    name = f"shutter_migrations_{uuid.uuid4().hex[:12]}"

    async def execute(statement: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{services.POSTGRES_URL.rpartition('/')[0]}/{name}"
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _postgres_schema(url: str) -> tuple[set[str], str | None]:
    import asyncpg

    async def read() -> tuple[set[str], str | None]:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            revision = await conn.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()
        return {row["tablename"] for row in rows}, revision

    return asyncio.run(read())


def sqlite_schema(path: Path) -> tuple[set[str], str | None]:
    """(table names, alembic revision) of a SQLite file, read without touching it."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        revision = None
        if "alembic_version" in tables:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    return tables, revision


@pytest.mark.distributed
@needs_postgres
def test_alembic_upgrade_head_then_check_on_postgresql(scratch_postgres_url: str) -> None:
    _assert_ok(_alembic(scratch_postgres_url, "upgrade", "head"))
    _assert_ok(_alembic(scratch_postgres_url, "check"))

    tables, revision = _postgres_schema(scratch_postgres_url)
    assert set(metadata.tables) <= tables
    assert revision == _head_revision()


def test_alembic_upgrade_head_then_check_on_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "shutter.db"
    url = f"sqlite+aiosqlite:///{database}"

    _assert_ok(_alembic(url, "upgrade", "head"))
    _assert_ok(_alembic(url, "check"))

    tables, revision = sqlite_schema(database)
    assert set(metadata.tables) <= tables
    assert revision == _head_revision()


def test_shutter_migrate_creates_the_schema_in_a_fresh_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "shutter-data"
    migrate = [sys.executable, "-m", "shutter.cli", "migrate"]

    first = _run(migrate, tmp_path, SHUTTER_DATA_DIR=str(data_dir))
    _assert_ok(first)
    assert "schema is current" in first.stderr
    tables, revision = sqlite_schema(data_dir / "shutter.db")
    assert set(metadata.tables) <= tables
    assert revision == _head_revision()

    again = _run(migrate, tmp_path, SHUTTER_DATA_DIR=str(data_dir))
    _assert_ok(again)  # migrating a current schema is a no-op, not an error
    assert sqlite_schema(data_dir / "shutter.db") == (tables, revision)
