"""Running Alembic from code (`shutter migrate`, and `shutter serve` on a fresh data dir)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from shutter.db.database import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(database: Database) -> None:
    """Bring the schema to the newest migration, on the database's own connection."""
    config = alembic_config(database.url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with database.engine.begin() as conn:
        await conn.run_sync(run)


@functools.cache
def newest_revision() -> str | None:
    """The head of the migrations shipped with this code (read once per process: parsing
    the migration scripts costs ~40 ms of CPU, and every app start asks)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def is_at_head(database: Database) -> bool:
    """True when the database carries the newest migration."""
    head = newest_revision()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as conn:
        return await conn.run_sync(current) == head
