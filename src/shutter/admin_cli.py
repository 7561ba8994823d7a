"""`shutter admin grant|revoke`: roles, given from the server's shell only (never over
HTTP), on either profile; each change is in the audit log."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import typer

from shutter.errors import ShutterError
from shutter.settings import Settings

admin_cli = typer.Typer(help="Administration: roles.", no_args_is_help=True)


def _set_role(username: str, role: Literal["user", "moderator", "admin"]) -> str:
    from contextlib import AsyncExitStack

    from shutter.app import open_context
    from shutter.moderation import service

    async def run() -> str:
        async with AsyncExitStack() as stack:
            context = await open_context(Settings(), stack)
            async with context.db.write() as uow:
                return await service.set_role(context, uow.conn, username, role)

    try:
        return asyncio.run(run())
    except ShutterError as exc:
        typer.echo(f"shutter admin: {exc.message}", err=True)
        raise typer.Exit(1) from None


@admin_cli.command()
def grant(
    username: Annotated[str, typer.Argument(help="the account")],
    role: Annotated[str, typer.Option(help="moderator or admin")] = "moderator",
) -> None:
    """Make an account a moderator or an admin."""
    if role not in ("moderator", "admin"):
        typer.echo("shutter admin: --role must be moderator or admin", err=True)
        raise typer.Exit(2)
    before = _set_role(username, "admin" if role == "admin" else "moderator")
    typer.echo(f"{username}: {before} -> {role}")


@admin_cli.command()
def revoke(username: Annotated[str, typer.Argument(help="the account")]) -> None:
    """Take an account's moderator or admin role away (it becomes a user)."""
    before = _set_role(username, "user")
    typer.echo(f"{username}: {before} -> user")
