"""One benchmark run, start to finish: scratch database and namespace, seed, real server
processes, measurements over HTTP, clean-up. Returns the result dictionary."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import func, select, text

from shutter.auth.passwords import hash_password
from shutter.auth.tokens import TokenIssuer
from shutter.bench import probes
from shutter.bench.graph import SCALES, Graph, Scale, build_graph, seed_graph, seed_network
from shutter.bench.http import HttpConnection
from shutter.bench.load import LoadGenerators, LoadResult, Target, find_sustainable
from shutter.bench.processes import Stack
from shutter.db.database import Database
from shutter.db.migrate import upgrade_to_head
from shutter.db.tables import follows, outbox, posts
from shutter.stores.timelines import RedisTimelineStore

SECRET = "bench-secret-key-not-for-production-0123456789"  # noqa: S105 - a scratch stack
STEADY_SHARE = 0.7
EVENTS_TIMEOUT_S = 120.0
WARM_CONCURRENCY = 16


@dataclass(frozen=True)
class BenchOptions:
    profile: str
    scale: str = "quick"
    out_dir: Path = Path("bench-results")
    postgres_admin_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    redis_url: str = "redis://127.0.0.1:6379/0"
    nats_url: str = "nats://127.0.0.1:4222"
    api_processes: int = 1
    workers: int = 1
    load_processes: int = 2
    uploaders: int = 2
    seed: int = 7


class Bench:
    def __init__(self, options: BenchOptions, console: Console) -> None:
        self.options = options
        self.scale: Scale = SCALES[options.scale]
        self.console = console
        self.rng = random.Random(options.seed)
        self.tag = uuid.uuid4().hex[:8]
        self.namespace = f"bench{self.tag}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"shutter-bench-{self.tag}-"))
        self.results: dict[str, Any] = {}
        self.database_name = f"shutter_bench_{self.tag}"
        self.tokens = TokenIssuer(SECRET, 86_400)
        self.password_hash = ""  # the seeded accounts' (one hash for all), set by _seed

    # -- configuration --------------------------------------------------------------------

    @property
    def distributed(self) -> bool:
        return self.options.profile == "distributed"

    @property
    def database_url(self) -> str:
        if not self.distributed:
            return f"sqlite+aiosqlite:///{self.workdir / 'data' / 'shutter.db'}"
        base = self.options.postgres_admin_url.rsplit("/", 1)[0]
        return f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{self.database_name}"

    def server_settings(self, read_path: str = "hybrid") -> dict[str, str]:
        settings = {
            "data_dir": str(self.workdir / "data"),
            "database_url": self.database_url,
            "secret_key": SECRET,
            "celebrity_threshold": str(self.scale.celebrity_threshold),
            "rate_limits": "off",
            "log_level": "WARNING",
            "feed_read_path": read_path,
            "namespace": self.namespace,
        }
        if self.distributed:
            settings.update(redis_url=self.options.redis_url, nats_url=self.options.nats_url)
        return settings

    # -- the run --------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.results.update(
            profile=self.options.profile,
            scale=self.scale.name,
            machine=_machine(),
            started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        generators = LoadGenerators(self.options.load_processes)
        try:
            async with AsyncExitStack() as stack:
                stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
                db = await self._create_database(stack)
                graph = await self._seed(db)
                await db.dispose()
                hybrid = Stack(
                    self.server_settings(),
                    self.workdir,
                    api_processes=self.options.api_processes if self.distributed else 1,
                    workers=self.options.workers if self.distributed else 0,
                )
                stack.callback(hybrid.stop)
                self.console.print("[bold]starting[/bold] shutter serve (hybrid feed)")
                await hybrid.start()
                await self._wait_for_events()
                await self._warm(hybrid.port, graph)
                await self._seed_network(graph)
                await self._measure_cpu(hybrid, graph)
                await self._measure_heavy_cpu(hybrid, graph, "hybrid")
                self._measure_rates(generators, hybrid.port, graph)
                await self._measure_visibility(hybrid.port, graph)
                self._measure_uploads(generators, hybrid.port, graph)
                hybrid.stop()
                await self._measure_store()
                pull = Stack(self.server_settings("pull"), self.workdir, name="serve-pull")
                stack.callback(pull.stop)
                self.console.print("[bold]starting[/bold] shutter serve (pull baseline)")
                await pull.start()
                await self._measure_heavy_cpu(pull, graph, "pull")
                self._measure_pull(generators, pull.port, graph)
                pull.stop()
        finally:
            generators.close()
        self.results["duration_s"] = round(time.perf_counter() - started, 1)
        return self.results

    async def _create_database(self, stack: AsyncExitStack) -> Database:
        if self.distributed:
            import asyncpg  # type: ignore[import-untyped]

            admin = await asyncpg.connect(self.options.postgres_admin_url)
            await admin.execute(f'CREATE DATABASE "{self.database_name}"')
            await admin.close()
            stack.push_async_callback(self._drop_distributed)
        db = Database(self.database_url)
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        await upgrade_to_head(db)
        return db

    async def _drop_distributed(self) -> None:
        import asyncpg
        import nats

        from shutter.events.runtime import stream_name
        from shutter.stores.redis import open_redis

        admin = await asyncpg.connect(self.options.postgres_admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        finally:
            await admin.close()
        redis = open_redis(self.options.redis_url)
        try:
            await probes._delete_prefix(redis, f"{self.namespace}")
        finally:
            await redis.aclose()
        connection = await nats.connect(self.options.nats_url)
        try:
            await connection.jetstream().delete_stream(stream_name(self.namespace))
        except Exception:  # noqa: S110 - the stream may not exist if the run failed early
            pass
        finally:
            await connection.close()

    async def _seed(self, db: Database) -> Graph:
        scale = self.scale
        self.console.print(
            f"[bold]seeding[/bold] {scale.users:,} users, ~{scale.avg_followees} followees "
            f"each (Zipf), {scale.posts:,} posts"
        )
        started = time.perf_counter()
        graph = build_graph(scale, self.rng)
        self.password_hash = await hash_password("bench-password")
        await seed_graph(db, graph, scale, self.password_hash, self.rng)
        async with db.write() as uow:
            await uow.conn.execute(text("ANALYZE"))
        self.results["seed_s"] = round(time.perf_counter() - started, 1)
        self.results["graph"] = {
            "users": len(graph.user_ids),
            "follows": len(graph.edges),
            "avg_followees": round(len(graph.edges) / len(graph.user_ids), 1),
            "max_followers": max(graph.follower_counts.values()),
            "median_followers": statistics.median(
                graph.follower_counts.get(user, 0) for user in graph.user_ids
            ),
            "posts": graph.posts,
            "celebrity_threshold": scale.celebrity_threshold,
            "celebrities": len(graph.celebrities),
            "active_readers": len(graph.active_readers),
            "ordinary_author_followers": scale.ordinary_followers,
            "heavy_readers": len(graph.heavy_readers),
            "heavy_reader_followees": scale.heavy_followees,
        }
        return graph

    async def _seed_network(self, graph: Graph) -> None:
        """The rest of the network, written once the graph's timelines are built: its
        accounts are followed by nobody in the graph, so no stored timeline holds their
        posts either way, while the pull query must read past them (docs/bench.md)."""
        scale = self.scale
        self.console.print(
            f"[bold]seeding[/bold] the rest of the network: {scale.network_users:,} accounts "
            f"nobody in the graph follows, {scale.network_posts:,} posts over the same week"
        )
        started = time.perf_counter()
        db = Database(self.database_url)
        try:
            # Its own random stream: the probes' later draws (who watches, who posts) stay
            # those of a run without the network.
            network_rng = random.Random(self.options.seed + 1)
            users_written, posts_written = await seed_network(
                db, scale, self.password_hash, network_rng
            )
            if db.is_sqlite:
                async with db.write() as uow:  # sampled: a full ANALYZE reads every index
                    await uow.conn.execute(text("PRAGMA analysis_limit=1000"))
                    for table in ("users", "posts"):
                        await uow.conn.execute(text(f"ANALYZE {table}"))
                async with db.read() as conn:
                    # The write-ahead log holds the whole network: folded into the database
                    # now, or the server's next write pays for it.
                    await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            else:
                # VACUUM too: otherwise autovacuum takes it up (a million fresh rows) in
                # the middle of the measurements that follow.
                async with db.engine.connect() as conn:
                    autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM (ANALYZE) users, posts"))
            reader = graph.heavy_readers[0]
            followees = select(follows.c.followee_id).where(follows.c.follower_id == reader)
            async with db.read() as conn:
                total = await conn.scalar(select(func.count()).select_from(posts))
                followed = await conn.scalar(
                    select(func.count()).where(posts.c.author_id.in_(followees))
                )
        finally:
            await db.dispose()
        self.results["network_seed_s"] = round(time.perf_counter() - started, 1)
        self.results["graph"].update(
            network_users=users_written,
            network_posts=posts_written,
            total_users=len(graph.user_ids) + users_written,
            total_posts=total,
            # The share of all posts that a heavy reader's followees wrote: what the pull
            # query's newest-first scan must read past (about 1 / share rows per match).
            heavy_reader_followee_post_share=round((followed or 0) / total, 5) if total else None,
        )

    async def _wait_for_events(self) -> None:
        """Until the seed's events are handled: every celebrity pulled."""
        deadline = time.monotonic() + EVENTS_TIMEOUT_S
        db = Database(self.database_url)
        try:
            while time.monotonic() < deadline:
                async with db.read() as conn:
                    pending = await conn.scalar(
                        select(func.count()).where(outbox.c.published_at.is_(None))
                    )
                if not pending:
                    break
                await asyncio.sleep(0.2)
        finally:
            await db.dispose()
        # Distributed: published means in JetStream; the worker handles it a moment later.
        await asyncio.sleep(1.0)

    def token(self, user_id: int) -> str:
        return self.tokens.issue(user_id, 0)

    def _feed_targets(self, readers: list[int]) -> list[Target]:
        return [Target("/api/v1/feed?limit=20", self.token(reader)) for reader in readers]

    async def _warm(self, port: int, graph: Graph) -> None:
        """One read per active reader: builds their stored timelines through the app's
        own regeneration path, as a returning user's first read would."""
        readers = graph.active_readers + graph.heavy_readers
        self.console.print(f"[bold]priming[/bold] {len(readers):,} timelines (first reads)")
        started = time.perf_counter()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for reader in readers:
            queue.put_nowait(reader)

        async def reader_loop() -> None:
            connection = HttpConnection("127.0.0.1", port)
            try:
                while not queue.empty():
                    reader = queue.get_nowait()
                    await connection.request(
                        "GET", "/api/v1/feed?limit=20", token=self.token(reader)
                    )
            finally:
                await connection.close()

        await asyncio.gather(*(reader_loop() for _ in range(WARM_CONCURRENCY)))
        await asyncio.sleep(1.0)  # the rebuilds run in the background
        self.results["prime_s"] = round(time.perf_counter() - started, 1)

    async def _measure_cpu(self, stack: Stack, graph: Graph) -> None:
        """Server CPU per request, feed and bare endpoint: the API process's user + system
        time (/proc) over requests sent one at a time, divided by their number. CPU time,
        unlike wall time, barely moves with what else the machine runs. One API process
        only (with --api-processes the requests spread over children)."""
        process = stack.api.process
        several = self.distributed and self.options.api_processes > 1
        if process is None or several or not sys.platform.startswith("linux"):
            return
        readers = graph.active_readers
        count = CPU_SAMPLE_REQUESTS[self.scale.name]
        connection = HttpConnection("127.0.0.1", stack.port)
        try:
            for label, path in (("bare", "/healthz"), ("feed", "/api/v1/feed?limit=20")):
                tokens = [self.token(readers[n % len(readers)]) for n in range(count)]
                before = _process_cpu_s(process.pid)
                for n in range(count):
                    token = tokens[n] if label == "feed" else None
                    await connection.request("GET", path, token=token)
                spent = _process_cpu_s(process.pid) - before
                self.results[f"{label}_cpu_ms_per_request"] = round(spent / count * 1000, 3)
        finally:
            await connection.close()

    async def _measure_heavy_cpu(self, stack: Stack, graph: Graph, read_path: str) -> None:
        """Server CPU per heavy reader's page, requests one at a time: the API process and,
        distributed, the PostgreSQL backends connected to the bench database (the worker's
        too, idle meanwhile). Unlike latency, it hardly moves with the machine's other load,
        so hybrid and pull compare fairly even when measured minutes apart."""
        process = stack.api.process
        several = read_path == "hybrid" and self.distributed and self.options.api_processes > 1
        if process is None or several or not sys.platform.startswith("linux"):
            self.results[f"{read_path}_heavy_cpu_ms_per_request"] = None
            return
        count = HEAVY_CPU_REQUESTS[self.scale.name]
        readers = graph.heavy_readers
        tokens = [self.token(readers[n % len(readers)]) for n in range(count + HEAVY_CPU_WARM)]
        connection = HttpConnection("127.0.0.1", stack.port)
        try:
            for token in tokens[:HEAVY_CPU_WARM]:  # connections and prepared statements
                await connection.request("GET", "/api/v1/feed?limit=20", token=token)
            before = await self._server_cpu_s(process.pid)
            for token in tokens[HEAVY_CPU_WARM:]:
                await connection.request("GET", "/api/v1/feed?limit=20", token=token)
            after = await self._server_cpu_s(process.pid)
        finally:
            await connection.close()
        spent = sum(after.values()) - sum(before.get(pid, 0.0) for pid in after)
        self.results[f"{read_path}_heavy_cpu_ms_per_request"] = round(spent / count * 1000, 3)
        hybrid = self.results.get("hybrid_heavy_cpu_ms_per_request")
        pull = self.results.get("pull_heavy_cpu_ms_per_request")
        self.results["hybrid_vs_pull_cpu_ratio"] = _ratio(pull, hybrid)

    async def _server_cpu_s(self, api_pid: int) -> dict[int, float]:
        """CPU seconds so far of the API process and (distributed) of every PostgreSQL
        backend connected to the bench database, by process id."""
        pids = [api_pid]
        if self.distributed:
            import asyncpg

            admin = await asyncpg.connect(self.options.postgres_admin_url)
            try:
                rows = await admin.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database_name
                )
            finally:
                await admin.close()
            pids += [row["pid"] for row in rows]
        spent = {}
        for pid in pids:
            try:
                spent[pid] = _process_cpu_s(pid)
            except (FileNotFoundError, ProcessLookupError):  # a backend that just ended
                continue
        return spent

    def _search(
        self, generators: LoadGenerators, port: int, targets: list[Target], label: str
    ) -> tuple[float, list[LoadResult]]:
        scale = self.scale
        self.console.print(f"[bold]searching[/bold] the highest sustainable {label} rate")
        rate, steps = find_sustainable(
            generators,
            "127.0.0.1",
            port,
            targets,
            start_rps=scale.start_rps,
            step_s=scale.step_s,
            max_steps=scale.max_steps,
            refine_steps=scale.refine_steps,
        )
        for step in steps:
            self.console.print(f"  {label}: {step.summary()}")
        return rate, steps

    def _measure_rates(self, generators: LoadGenerators, port: int, graph: Graph) -> None:
        scale = self.scale
        bare_rate, bare_steps = self._search(generators, port, [Target("/healthz")], "bare")
        feed_targets = self._feed_targets(graph.active_readers)
        feed_rate, feed_steps = self._search(generators, port, feed_targets, "feed")
        self.results.update(
            bare_rps=round(bare_rate, 1),
            feed_rps=round(feed_rate, 1),
            feed_vs_bare_ratio=round(feed_rate / bare_rate, 3) if bare_rate else None,
            # True when no step failed: the figure is a lower bound, not the ceiling.
            bare_rps_is_lower_bound=all(step.sustainable for step in bare_steps),
            feed_rps_is_lower_bound=all(step.sustainable for step in feed_steps),
            bare_steps=[step.summary() for step in bare_steps],
            feed_steps=[step.summary() for step in feed_steps],
        )
        self.steady_rate = max(1.0, STEADY_SHARE * feed_rate)
        steady = generators.run("127.0.0.1", port, self.steady_rate, scale.steady_s, feed_targets)
        self.console.print(f"  feed at 70%: {steady.summary()}")
        self.results.update(
            feed_steady_rps=round(self.steady_rate, 1),
            feed_p50_ms=_ms(steady.percentile(0.5)),
            feed_p95_ms=_ms(steady.percentile(0.95)),
            feed_p99_ms=_ms(steady.percentile(0.99)),
            feed_steady=steady.summary(),
        )
        heavy = generators.run(
            "127.0.0.1",
            port,
            scale.compare_rps,
            scale.compare_s,
            self._feed_targets(graph.heavy_readers),
        )
        self.console.print(f"  hybrid, readers of {scale.heavy_followees}: {heavy.summary()}")
        self.results.update(
            hybrid_heavy_p50_ms=_ms(heavy.percentile(0.5)),
            hybrid_heavy_p99_ms=_ms(heavy.percentile(0.99)),
        )

    async def _watch_ordinary_post(self, port: int, graph: Graph, sample: list[int]) -> list[float]:
        """Seconds until the ordinary author's post is in each watched follower's stored
        timeline (Redis, asked directly); embedded, where timelines live inside the
        server, until their feed shows it (polled within POLL_BUDGET_RPS)."""
        token = self.token(graph.ordinary_author)
        media = graph.probe_media[graph.ordinary_author][0]
        caption = "bench: ordinary author"
        if not self.distributed:
            watchers = [self.token(reader) for reader in sample]
            times, _ = await probes.post_and_watch(port, token, media, watchers, caption=caption)
            return times
        from shutter.stores.redis import open_redis

        redis = open_redis(self.options.redis_url)
        try:
            store = RedisTimelineStore(redis, f"{self.namespace}:", 800, 1)
            return await probes.post_and_watch_timelines(
                port, token, media, store, sample, caption=caption
            )
        finally:
            await redis.aclose()

    async def _measure_visibility(self, port: int, graph: Graph) -> None:
        scale = self.scale
        followers = graph.followers_of(graph.ordinary_author)
        active = [reader for reader in graph.active_readers if reader in followers]
        sample = self.rng.sample(active, min(scale.visibility_sample, len(active)))
        self.console.print(
            f"[bold]post-to-visible[/bold]: {scale.ordinary_followers:,}-follower author "
            f"({len(sample)} of {len(active)} active followers watched), then a celebrity"
        )
        times = await self._watch_ordinary_post(port, graph, sample)
        celebrity = graph.celebrities[0]
        fans = graph.followers_of(celebrity)
        celebrity_followers = sorted(fans.intersection(active)) or sorted(fans)
        watcher = self.rng.choice(celebrity_followers)
        celebrity_times, next_read = await probes.post_and_watch(
            port,
            self.token(celebrity),
            graph.probe_media[celebrity][0],
            [self.token(watcher)],
            caption="bench: celebrity",
        )
        self.results.update(
            fanout_10k_visible_p50_s=_s(statistics.median(times)),
            fanout_10k_visible_p99_s=_s(probes.visible_p99(times)),
            fanout_visible_followers=scale.ordinary_followers,
            fanout_visible_watched=len(sample),
            celebrity_visible_s=_s(celebrity_times[0]),
            celebrity_visible_on_next_read=next_read,
        )

    def _measure_uploads(self, generators: LoadGenerators, port: int, graph: Graph) -> None:
        scale = self.scale
        self.console.print(
            f"[bold]feed at 70% while {self.options.uploaders} clients upload photos[/bold]"
        )
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            # The uploading process starts (an interpreter importing PIL) and does one upload
            # before the window: only the uploads themselves overlap the measured reads.
            pool.submit(probes.warm_uploads, port, self.token(graph.uploader)).result()
            uploads = pool.submit(
                probes.run_uploads,
                port,
                self.token(graph.uploader),
                scale.steady_s,
                self.options.uploaders,
            )
            during = generators.run(
                "127.0.0.1",
                port,
                self.steady_rate,
                scale.steady_s,
                self._feed_targets(graph.active_readers),
            )
            done, failed = uploads.result()
        self.console.print(f"  feed during uploads: {during.summary()}; uploads {done} ok")
        self.results.update(
            feed_p99_ms_during_uploads=_ms(during.percentile(0.99)),
            feed_p50_ms_during_uploads=_ms(during.percentile(0.5)),
            uploads_per_s=round(done / scale.steady_s, 2),
            uploads_failed=failed,
        )

    async def _measure_store(self) -> None:
        scale = self.scale
        self.console.print("[bold]timeline store[/bold]: fan-out rate, ZADD ceiling, memory")
        if not self.distributed:
            rate = await asyncio.to_thread(probes.memory_store_rate, 800, scale.fanout_timelines)
            self.results.update(
                fanout_inserts_per_s=round(rate),
                fanout_store="memory (in-process)",
                redis_zadd_ceiling_per_s=None,
                redis_bytes_per_entry=None,
                redis_bytes_per_entry_tuned=None,
            )
            return
        from shutter.stores.redis import open_redis

        redis = open_redis(self.options.redis_url)
        try:
            store = RedisTimelineStore(redis, f"{self.namespace}-fo:", 800, 1)
            rate = await probes.fan_out_rate(store, scale.fanout_timelines)
            ceiling = await asyncio.to_thread(
                probes.zadd_ceiling,
                self.options.redis_url,
                f"{self.namespace}-",
                scale.zadd_requests,
            )
            await probes._delete_prefix(redis, f"{self.namespace}-zb:")
            default, tuned, setting = await probes.tuned_bytes_per_entry(
                redis, f"{self.namespace}-mem", 800, scale.memory_timelines
            )
        finally:
            await redis.aclose()
        self.results.update(
            fanout_inserts_per_s=round(rate),
            fanout_store="redis",
            redis_zadd_ceiling_per_s=round(ceiling) if ceiling else None,
            fanout_vs_zadd_ratio=round(rate / ceiling, 3) if ceiling else None,
            redis_bytes_per_entry=round(default, 1),
            redis_bytes_per_entry_tuned=round(tuned, 1),
            redis_zset_max_listpack_entries_default=setting,
            redis_zset_max_listpack_entries_tuned=801,
        )

    def _measure_pull(self, generators: LoadGenerators, port: int, graph: Graph) -> None:
        scale = self.scale
        pull = generators.run(
            "127.0.0.1",
            port,
            scale.compare_rps,
            scale.compare_s,
            self._feed_targets(graph.heavy_readers),
        )
        self.console.print(f"  pull, readers of {scale.heavy_followees}: {pull.summary()}")
        pull_p50_ms = _ms(pull.percentile(0.5))
        pull_p99_ms = _ms(pull.percentile(0.99))
        self.results.update(
            pull_p50_ms=pull_p50_ms,
            pull_p99_ms=pull_p99_ms,
            pull_errors=pull.errors,
            hybrid_vs_pull_p50_speedup=_ratio(pull_p50_ms, self.results.get("hybrid_heavy_p50_ms")),
            hybrid_vs_pull_p99_speedup=_ratio(pull_p99_ms, self.results.get("hybrid_heavy_p99_ms")),
        )


# Requests per CPU measurement: enough that the clock tick (10 ms) is under 1 % of it.
CPU_SAMPLE_REQUESTS = {"smoke": 300, "quick": 1500, "full": 3000}
# Heavy readers' pages (a hybrid one costs a few ms, a pull one tens), after a few unmeasured.
HEAVY_CPU_REQUESTS = {"smoke": 60, "quick": 300, "full": 600}
HEAVY_CPU_WARM = 10


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _ms(value: float) -> float | None:
    return None if value != value else round(value, 2)  # NaN: nothing completed


def _ratio(pull_ms: float | None, hybrid_ms: float | None) -> float | None:
    """How many times faster the hybrid read is (None when either side has no figure)."""
    return round(pull_ms / hybrid_ms, 2) if pull_ms and hybrid_ms else None


def _s(value: float) -> float | None:
    return None if value != value else round(value, 3)


def _machine() -> dict[str, Any]:
    return {
        "node": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_bench(options: BenchOptions, console: Console) -> dict[str, Any]:
    return asyncio.run(Bench(options, console).run())
