"""Fixtures: each behavioural test runs once per profile, against a real HTTP server.

- embedded: SQLite in a fresh data dir (its database a copy of one migrated once per test
  process), local media directory, no services;
- distributed: PostgreSQL (a database per xdist worker, emptied before each test), Redis,
  NATS and an S3-speaking server (moto, started here) with a bucket per test.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

for _name in [name for name in os.environ if name.startswith("SHUTTER_") and "_TEST_" not in name]:
    del os.environ[_name]  # tests decide every setting themselves
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from shutter.app import create_app  # noqa: E402
from shutter.http.limits import apply_connection_limits  # noqa: E402
from shutter.settings import Settings  # noqa: E402
from tests import services  # noqa: E402

SECRET = "test-secret-key-that-is-long-enough-0123456789"
_STATUS = services.probe()


def pytest_configure(config: pytest.Config) -> None:
    if services.IN_CI and not _STATUS.available:
        missing = "; ".join(f"{name}: {why}" for name, why in _STATUS.missing.items())
        pytest.exit(f"CI=true and the distributed profile's services are missing: {missing}", 1)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _STATUS.available:
        terminalreporter.write_sep("!", "DISTRIBUTED PROFILE SKIPPED", red=True, bold=True)
        for name, why in _STATUS.missing.items():
            terminalreporter.write_line(f"  {name}: {why}", red=True)
        terminalreporter.write_line(
            "  Only the embedded profile was tested. Start the services (see README) "
            "to test PostgreSQL, Redis, NATS and S3.",
            red=True,
        )


PROFILES = [
    "embedded",
    pytest.param(
        "distributed",
        marks=[
            pytest.mark.distributed,
            pytest.mark.skipif(
                not _STATUS.available,
                reason="distributed services missing: " + ", ".join(_STATUS.missing),
            ),
        ],
    ),
]


CLUSTER_PROFILE = pytest.param(
    "cluster",
    marks=[
        pytest.mark.distributed,
        pytest.mark.skipif(
            not _STATUS.available,
            reason="distributed services missing: " + ", ".join(_STATUS.missing),
        ),
    ],
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-speaking server over real HTTP for the whole session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A three-node Redis Cluster on free local ports, started for this session."""
    import subprocess

    root = tmp_path_factory.mktemp("redis-cluster")
    ports = _cluster_ports(3)
    for port in ports:
        (root / str(port)).mkdir()
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--dir",
                str(root / str(port)),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--logfile",
                str(root / f"{port}.log"),
            ],
            check=True,
        )

    def answers(port: int) -> bool:
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
        return ping.stdout.strip() == b"PONG"

    def cluster_ok() -> bool:
        info = subprocess.run(
            ["redis-cli", "-p", str(ports[0]), "cluster", "info"], capture_output=True
        )
        return b"cluster_state:ok" in info.stdout

    try:
        for port in ports:
            _wait_for(functools.partial(answers, port), f"redis node {port} answering PING")
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
        )
        _wait_for(cluster_ok, "the cluster reporting cluster_state:ok")
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in ports)
    finally:
        for port in ports:
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True
            )


def _wait_for(check: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
    """Poll `check` until true; fail loudly after `timeout_s` (a bound for a busy machine,
    not a speed claim) instead of carrying on with a half-started service."""
    import time

    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {timeout_s} s: {what}")
        time.sleep(0.05)


def _cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster-bus twins (port + 10000) are free too."""
    import random

    def free(port: int) -> bool:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20_000, 50_000)
        if port not in ports and free(port) and free(port + 10_000):
            ports.append(port)
    return ports


def _worker_database(worker_id: str) -> tuple[str, str]:
    """(admin URL, URL of this worker's own database)."""
    admin = services.POSTGRES_URL
    base, _, _ = admin.rpartition("/")
    # The pid keeps concurrent test runs on one machine out of each other's way.
    name = f"shutter_test_{worker_id}_{os.getpid()}".replace("-", "_")
    return admin, f"{base}/{name}"


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A freshly migrated PostgreSQL database for this test worker."""
    import asyncpg

    from shutter.db.database import Database
    from shutter.db.migrate import upgrade_to_head

    admin, url = _worker_database(worker_id)
    name = url.rpartition("/")[2]

    async def create() -> None:
        conn = await asyncpg.connect(admin.replace("+asyncpg", ""))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        db = Database(url)
        try:
            await upgrade_to_head(db)
        finally:
            await db.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin.replace("+asyncpg", ""))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(create())
    yield url
    asyncio.run(drop())


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override settings (e.g. small limits) by overriding this fixture."""
    return {}


def distributed_values(request: pytest.FixtureRequest, bucket_prefix: str) -> dict[str, Any]:
    """Settings of the distributed profile on an emptied database, with a new bucket and a
    namespace of its own (Redis keys, the JetStream stream and its subjects)."""
    s3 = request.getfixturevalue("s3_endpoint")
    values: dict[str, Any] = {
        "database_url": request.getfixturevalue("postgres_url"),
        "redis_url": services.REDIS_URL,
        "nats_url": services.NATS_URL,
        "s3_bucket": f"{bucket_prefix}-{uuid.uuid4().hex[:12]}",
        "s3_endpoint_url": s3,
        "namespace": f"t{uuid.uuid4().hex[:12]}",
        # The test server also runs the JetStream consumer (as `shutter worker` would).
        "in_process_workers": True,
    }
    _empty_database(values["database_url"])
    _create_bucket(s3, values["s3_bucket"])
    return values


@pytest.fixture
def settings(
    profile: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    settings_overrides: dict[str, Any],
) -> Iterator[Settings]:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "rate_limits": "off",
        "log_level": "WARNING",
        "secret_key": SECRET,
        # Tests that send hundreds of requests at once check what they did, not load
        # shedding, on a shared two-core machine: they may wait for a connection as long
        # as before the 5 s default, and for a password-check slot (tests of the 503s
        # set their own).
        "database_pool_timeout_seconds": 30,
        "password_check_wait_seconds": 30,
        # Screening runs a real model per upload; its tests turn it on (test_screening.py).
        "moderation": "off",
        # Explore leaving out what a reader was shown: on in its own tests
        # (test_explore_seen.py); others look at Explore again and again on purpose.
        "explore_seen_days": 0,
    }
    if profile in ("distributed", "cluster"):
        values.update(distributed_values(request, "shutter-test"))
        if profile == "cluster":
            values["redis_url"] = request.getfixturevalue("redis_cluster_url")
    values.update(settings_overrides)
    built = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    if built.is_sqlite and not built.database_url:
        _copy_migrated_sqlite(request, built.data_dir / "shutter.db")
    yield built
    if profile in ("distributed", "cluster"):
        _forget_namespace(values["namespace"], values["redis_url"])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database brought to the newest migration once per test process, by the
    code a fresh data dir runs (`upgrade_to_head`)."""
    from shutter.db.database import Database
    from shutter.db.migrate import upgrade_to_head

    path = tmp_path_factory.mktemp("migrated") / "shutter.db"

    async def migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade_to_head(db)
        finally:
            await db.dispose()  # the last connection out folds the WAL into the file

    asyncio.run(migrate())
    return path


def _copy_migrated_sqlite(request: pytest.FixtureRequest, target: Path) -> None:
    """Start an embedded test's data dir from the migrated database instead of migrating
    it again (about 0.7 s a test): the server still checks it is at head on start."""
    import shutil

    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(request.getfixturevalue("migrated_sqlite"), target)


def _empty_database(url: str) -> None:
    """Delete every row the previous test left, table by table, children first.

    One query finds the tables that hold rows; only those are emptied, with DELETE: a
    TRUNCATE of all ~50 tables gives each table and index new files (about a second per
    test on the reference machine), most of them empty already. No table has a sequence
    (ids come from the id generator), so nothing else is left to reset.
    """
    import asyncpg

    from shutter.db.tables import metadata

    tables = [table.name for table in reversed(metadata.sorted_tables)]
    holding_rows = " UNION ALL ".join(
        f'SELECT {position} WHERE EXISTS (SELECT FROM "{name}")'  # noqa: S608 - schema names
        for position, name in enumerate(tables)
    )

    async def empty() -> None:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            rows = await conn.fetch(holding_rows)
            positions = sorted(row[0] for row in rows)
            if positions:
                # One round trip, one transaction; the names are the schema's own.
                deletes = [f'DELETE FROM "{tables[position]}";' for position in positions]  # noqa: S608
                await conn.execute("".join(deletes))
        finally:
            await conn.close()

    asyncio.run(empty())


def _forget_namespace(namespace: str, redis_url: str) -> None:
    """Delete the test's Redis keys and JetStream stream."""
    import nats

    from shutter.app import open_redis
    from shutter.events.runtime import stream_name

    async def drop_keys() -> None:
        client = open_redis(redis_url)
        try:
            async for key in client.scan_iter(match=f"{namespace}:*", count=1000):
                await client.delete(key)
        finally:
            await client.aclose()

    asyncio.run(drop_keys())

    async def drop_stream() -> None:
        connection = await nats.connect(services.NATS_URL)
        try:
            await connection.jetstream().delete_stream(stream_name(namespace))
        except Exception:  # noqa: S110 - the test may never have created it
            pass
        finally:
            await connection.close()

    asyncio.run(drop_stream())


def _create_bucket(endpoint: str, bucket: str) -> None:
    _s3_admin(endpoint).create_bucket(Bucket=bucket)


@functools.cache
def _s3_admin(endpoint: str) -> Any:
    """One client per test process for the S3 server's buckets (making one costs more
    than the request)."""
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


class RunningServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        # The connection limits `shutter serve` runs with (header timeout, concurrency).
        apply_connection_limits(config, settings)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None
        self.base_url = ""

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # surfaces the start-up error
            await asyncio.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    @property
    def context(self) -> Any:
        """The running app's AppContext (stores, event runtime)."""
        return self.app.state.context

    async def settle(self) -> None:
        """Wait until every event written so far has been handled (fan-out done)."""
        await self.context.events.wait_idle()

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 30)
            except TimeoutError:
                stacks = "\n".join(
                    f"{task.get_name()}: {task.get_stack(limit=8)}"
                    for task in asyncio.all_tasks()
                    if not task.done()
                )
                raise AssertionError(
                    f"the server did not shut down within 30 s; tasks:\n{stacks}"
                ) from None


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    """Shutter on a real loopback port, stopped after the test."""
    running = RunningServer(settings)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for /api/v1 of the running server."""
    async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1", timeout=30) as http:
        yield http
