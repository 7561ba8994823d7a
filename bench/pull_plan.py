"""The pull feed query's plan for a heavy reader, in a scratch PostgreSQL database seeded
like `shutter bench` (the graph, then the rest of the network), next to the hybrid read's
visibility query for the same reader (docs/bench.md, "Hybrid vs pull: the graph").

    .venv/bin/python bench/pull_plan.py [--scale quick] [--no-network] [--keep]

Prints `EXPLAIN (ANALYZE, BUFFERS)` of both statements as the app builds them
(feed/repository.py), then the median of 30 executions of each. The database
`shutter_plan_<random>` is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import time
import uuid
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.dialects import postgresql

from shutter.bench.graph import SCALES, build_graph, seed_graph, seed_network
from shutter.db.database import Database
from shutter.db.migrate import upgrade_to_head
from shutter.feed.repository import NO_CURSOR, _pull_statement, _visible_statement

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
RUNS = 30


def literal_sql(statement: Select[Any], values: dict[str, Any]) -> str:
    """The statement's PostgreSQL text with its parameters written in (EXPLAIN takes no
    bind parameters over asyncpg's simple protocol)."""
    compiled = statement.compile(dialect=postgresql.dialect())
    params = {**compiled.params, **values}

    def value(match: re.Match[str]) -> str:
        given = params[match.group(1)]
        if isinstance(given, list):
            return "ARRAY[" + ",".join(str(int(item)) for item in given) + "]::BIGINT[]"
        if isinstance(given, str):
            return "'" + given.replace("'", "''") + "'"
        return str(int(given))

    return re.sub(r"%\((\w+)\)s(::BIGINT\[\])?", value, str(compiled))


async def timed(conn: asyncpg.Connection, sql: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await conn.fetch(sql)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def main(scale_name: str, network: bool, keep: bool) -> None:
    name = f"shutter_plan_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        db = Database(url.replace("postgresql://", "postgresql+asyncpg://"))
        await upgrade_to_head(db)
        scale, rng = SCALES[scale_name], random.Random(7)
        graph = build_graph(scale, rng)
        await seed_graph(db, graph, scale, "x", rng)
        if network:
            await seed_network(db, scale, "x", rng)
        await db.dispose()
        conn = await asyncpg.connect(url)
        await conn.execute("VACUUM (ANALYZE)")
        reader = graph.heavy_readers[0]
        pull = literal_sql(
            _pull_statement("postgresql", "rows"),
            {"reader": reader, "before": NO_CURSOR, "limit": 21},
        )
        page = [row["id"] for row in await conn.fetch(pull)]
        visible = literal_sql(_visible_statement("postgresql"), {"reader": reader, "ids": page})
        for label, sql in (("pull query", pull), ("hybrid visibility query", visible)):
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print(f"\n== {label}\n" + "\n".join(row[0] for row in plan))
        share = await conn.fetchval(
            "SELECT avg((author_id IN (SELECT followee_id FROM follows"
            " WHERE follower_id = $1))::int) FROM posts",
            reader,
        )
        print(f"\nposts by the reader's followees: {float(share):.4%}")
        print(f"pull query: median {await timed(conn, pull):.2f} ms over {RUNS}")
        print(f"visibility query: median {await timed(conn, visible):.2f} ms over {RUNS}")
        await conn.close()
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--no-network", action="store_true", help="the graph alone")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    asyncio.run(main(args.scale, not args.no_network, args.keep))
