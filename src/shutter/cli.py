"""The `shutter` command: serve, worker, seed, migrate, media-gc, bench."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from shutter.settings import Settings

cli = typer.Typer(
    help="Shutter: a self-hostable photo and video sharing network.", no_args_is_help=True
)
console = Console(stderr=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes (distributed profile)")] = 1,
) -> None:
    """Run the API (and, in the embedded profile, everything else) in this process."""
    settings = Settings()
    if workers > 1 and settings.profile == "embedded":
        console.print("[red]--workers > 1 needs the distributed profile[/red]")
        raise typer.Exit(2)
    console.print(
        f"[bold]Shutter[/bold] ({settings.profile} profile) on http://{host}:{port}  "
        f"API docs: http://{host}:{port}/docs"
    )
    uvicorn.run(
        "shutter.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )


@cli.command()
def worker(
    host: Annotated[str, typer.Option(help="address of the health endpoint")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port of /healthz and /metrics")] = 8001,
) -> None:
    """Relay the outbox to JetStream and run event handlers (distributed profile)."""
    settings = Settings()
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

    settings = Settings()

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


def main() -> None:
    cli()


if __name__ == "__main__":  # `python -m shutter.cli`, as the end-to-end tests run it
    main()
