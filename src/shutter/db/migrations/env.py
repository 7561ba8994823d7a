"""Alembic environment: runs on a connection handed over by Shutter, or opens its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shutter.db.tables import metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)


# Search indexes are dialect-specific (pg_trgm GIN indexes, an SQLite FTS5 table with its
# shadow tables): they live in the migrations only, and `alembic check` leaves them alone.
SEARCH_OBJECTS = (
    "users_search",
    "ix_users_username_trgm",
    "ix_users_display_name_trgm",
    "ix_hashtags_tag_prefix",
    "ix_locations_name_key_trgm",
    "posts_search",
    "ix_posts_caption_fts",
)


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return name is None or not name.startswith(SEARCH_OBJECTS)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # `alembic -x url=...` wins, then alembic.ini / Shutter's own config, then settings.
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        from shutter.settings import Settings

        url = Settings().resolved_database_url
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
