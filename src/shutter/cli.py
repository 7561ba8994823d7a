"""The `shutter` command: serve, worker, seed, migrate, media-gc, bench, admin."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated

import structlog
import typer
import uvicorn
from rich.console import Console

from shutter.admin_cli import admin_cli
from shutter.settings import Settings

cli = typer.Typer(
    help="Shutter: a self-hostable photo and video sharing network.", no_args_is_help=True
)
console = Console(stderr=True)


def load_settings(*, needs_secret: bool = True) -> Settings:
    """The settings, or one clear line on stderr and exit status 2 when they are invalid
    (a malformed value, a secret key too short or missing where it is required)."""
    from pydantic import ValidationError

    try:
        settings = Settings()
        if needs_secret:
            _ = settings.resolved_secret_key  # refused now, not in a traceback at startup
    except ValidationError as exc:
        problems = "; ".join(
            f"SHUTTER_{str(error['loc'][0]).upper() if error['loc'] else '?'}: "
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        )
        typer.echo(f"shutter: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(f"shutter: invalid settings: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


def _override(name: str, value: object | None) -> None:
    """A command-line flag wins over its SHUTTER_* variable, in this process and in the
    worker processes uvicorn starts (which read the settings again)."""
    if value is not None:
        os.environ[f"SHUTTER_{name.upper()}"] = str(value)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (distributed profile)")] = 1,
    concurrency_limit: Annotated[
        int | None,
        typer.Option(min=1, help="connections and requests at once, past which 503 [2048]"),
    ] = None,
    keep_alive_timeout: Annotated[
        int | None, typer.Option(min=1, help="seconds an idle keep-alive connection stays [15]")
    ] = None,
    header_timeout: Annotated[
        float | None, typer.Option(min=0.01, help="seconds to send a request's head [10]")
    ] = None,
    body_timeout: Annotated[
        float | None,
        typer.Option(min=0.01, help="seconds between two parts of a request body, then 408 [30]"),
    ] = None,
    body_max_bytes: Annotated[
        int | None, typer.Option(min=1024, help="largest JSON request body, then 413 [262144]")
    ] = None,
) -> None:
    """Run the API (and, in the embedded profile, everything else) in this process.

    The connection limits default to their SHUTTER_* settings (docs/operations.md)."""
    from shutter.http.limits import apply_connection_limits

    _override("concurrency_limit", concurrency_limit)
    _override("keep_alive_timeout_seconds", keep_alive_timeout)
    _override("header_read_timeout_seconds", header_timeout)
    _override("body_read_timeout_seconds", body_timeout)
    _override("body_max_bytes", body_max_bytes)
    settings = load_settings()
    if workers > 1 and settings.profile == "embedded":
        console.print("[red]--workers > 1 needs the distributed profile[/red]")
        raise typer.Exit(2)
    console.print(
        f"[bold]Shutter[/bold] ({settings.profile} profile) on http://{host}:{port}  "
        f"API docs: http://{host}:{port}/docs"
    )
    config = uvicorn.Config(
        "shutter.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )
    apply_connection_limits(config, settings)
    _run(config)


def _run(config: uvicorn.Config) -> None:
    """What uvicorn.run does with its config: one server, or a supervisor of `workers`
    processes on one socket (uvicorn.run builds the config itself, so the connection
    limits, which live on it, could not be given)."""
    from uvicorn.supervisors import Multiprocess

    server = uvicorn.Server(config)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if not server.started and config.workers == 1:
        raise typer.Exit(3)  # uvicorn's own exit status for a failed start


@cli.command()
def worker(
    host: Annotated[str, typer.Option(help="address of the health endpoint")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port of /healthz and /metrics")] = 8001,
) -> None:
    """Relay the outbox to JetStream and run event handlers (distributed profile)."""
    settings = load_settings()
    console.print(
        f"[bold]Shutter worker[/bold] ({settings.profile} profile); health on "
        f"http://{host}:{port}/healthz"
    )
    uvicorn.run(
        "shutter.app:create_worker_app",
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


@cli.command()
def seed(
    users: Annotated[int, typer.Option(min=2, max=500, help="demo accounts to create")] = 12,
    posts: Annotated[int, typer.Option(min=0, max=50, help="photo posts per account")] = 4,
    random_seed: Annotated[int, typer.Option("--seed", help="randomness, for repeatable data")] = 7,
) -> None:
    """Fill the configured database with demo accounts, follows and photo posts."""
    from shutter.seed import DEMO_PASSWORD
    from shutter.seed import seed as run_seed

    settings = Settings()
    report = asyncio.run(run_seed(settings, users, posts, random_seed))
    console.print(
        f"[green]seeded[/green] {len(report.users)} accounts, {report.follows} follows, "
        f"{report.posts} posts. Log in as [bold]{report.users[0]}[/bold] with password "
        f"[bold]{DEMO_PASSWORD}[/bold]."
    )


@cli.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    from shutter.db.database import Database
    from shutter.db.migrate import upgrade_to_head

    settings = load_settings(needs_secret=False)

    async def run() -> None:
        db = Database.from_settings(settings)
        try:
            await upgrade_to_head(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    console.print(f"[green]schema is current[/green] ({settings.profile} profile)")


@cli.command()
def bench(
    profile: Annotated[
        str, typer.Option(help="embedded (SQLite, in-process) or distributed (PG, Redis, NATS)")
    ] = "embedded",
    quick: Annotated[bool, typer.Option(help="a smaller graph and short phases (< 2 min)")] = False,
    smoke: Annotated[
        bool, typer.Option(hidden=True, help="a tiny run in seconds (the test suite's)")
    ] = False,
    out: Annotated[Path, typer.Option(help="directory for bench.json and bench.png")] = Path(
        "bench-results"
    ),
    api_processes: Annotated[
        int, typer.Option(min=1, max=16, help="API processes (distributed)")
    ] = 1,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="`shutter worker` processes (distributed)")
    ] = 1,
    load_processes: Annotated[int, typer.Option(min=1, max=16, help="load generators")] = 2,
    postgres_admin_url: Annotated[
        str, typer.Option(help="PostgreSQL that may create the scratch database")
    ] = "postgresql://postgres@127.0.0.1:5432/test",
    redis_url: Annotated[
        str, typer.Option(help="Redis for timelines")
    ] = "redis://127.0.0.1:6379/0",
    nats_url: Annotated[str, typer.Option(help="NATS with JetStream")] = "nats://127.0.0.1:4222",
) -> None:
    """Seed a synthetic network, start real server processes and measure them over HTTP."""
    from shutter.bench.report import CHART_NEEDS_EXTRA, print_table, write_chart, write_json
    from shutter.bench.runner import BenchOptions, run_bench

    if profile not in ("embedded", "distributed"):
        console.print("[red]--profile must be embedded or distributed[/red]")
        raise typer.Exit(2)
    options = BenchOptions(
        profile=profile,
        scale="smoke" if smoke else "quick" if quick else "full",
        out_dir=out,
        postgres_admin_url=postgres_admin_url,
        redis_url=redis_url,
        nats_url=nats_url,
        api_processes=api_processes,
        workers=workers,
        load_processes=load_processes,
    )
    results = run_bench(options, console)
    write_json(results, out / "bench.json")
    charted = write_chart(results, out / "bench.png")
    print_table(results, Console())
    if charted:
        console.print(f"[green]wrote[/green] {out / 'bench.json'} and {out / 'bench.png'}")
    else:
        console.print(f"[green]wrote[/green] {out / 'bench.json'}")
        console.print(CHART_NEEDS_EXTRA, markup=False, highlight=False)


@cli.command("media-gc")
def media_gc() -> None:
    """Delete media past its retention now (uploads never completed or posted, media of
    deleted posts), as the lifecycle job in `shutter worker` does every hour."""
    from contextlib import AsyncExitStack

    from shutter.app import open_context
    from shutter.media.service import collect_garbage

    settings = Settings()

    async def run() -> None:
        async with AsyncExitStack() as stack:
            context = await open_context(settings, stack)
            collected = await collect_garbage(context)
        console.print(
            f"[green]removed[/green] {collected.media} media ({collected.objects} objects); "
            f"{collected.timed_out} stuck in processing marked failed"
        )

    asyncio.run(run())


# `shutter admin`: roles (admin_cli.py) and, here, a reset link for operators without mail.
admin = admin_cli
cli.add_typer(admin, name="admin")


@admin.command("reset-password")
def admin_reset_password(
    username: Annotated[str, typer.Argument(help="the account's username")],
) -> None:
    """Print a one-time link (valid SHUTTER_PASSWORD_RESET_TTL_SECONDS, 1 h by default)
    that sets a new password for USERNAME: for instances without mail, hand it over
    yourself. Links start with SHUTTER_PUBLIC_URL (else http://127.0.0.1:8000)."""
    from contextlib import AsyncExitStack

    from shutter.accounts.service import reset_link_for
    from shutter.app import open_context
    from shutter.errors import NotFound

    settings = load_settings()
    # Start-up warnings go to stderr: stdout carries the link alone (for a pipe).
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))

    async def run() -> str:
        async with AsyncExitStack() as stack:
            context = await open_context(settings, stack)
            base_url = settings.public_url or "http://127.0.0.1:8000"
            return await reset_link_for(context, username, base_url)

    try:
        link = asyncio.run(run())
    except NotFound:
        typer.echo(f"shutter: no user named {username!r}", err=True)
        raise typer.Exit(1) from None
    typer.echo(link)


def main() -> None:
    cli()


if __name__ == "__main__":  # `python -m shutter.cli`, as the end-to-end tests run it
    main()
