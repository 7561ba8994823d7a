"""The `shutter` command: serve, migrate."""

from __future__ import annotations

import asyncio
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


def main() -> None:
    cli()


if __name__ == "__main__":  # `python -m shutter.cli`, as the end-to-end tests run it
    main()
