"""The portability jobs' event handlers, in a lane of their own."""

from __future__ import annotations

from shutter.context import AppContext
from shutter.events.periodic import Scheduler
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import Event
from shutter.portability import deletion, exporter, importer
from shutter.portability.events import EXPORT_REQUESTED, IMPORT_REQUESTED, PORTABILITY_LANE


async def on_import_requested(context: AppContext, event: Event) -> None:
    await importer.run_import(context, int(event.payload["import_id"]))


async def on_export_requested(context: AppContext, event: Event) -> None:
    await exporter.run_export(context, int(event.payload["export_id"]))


def register(registry: HandlerRegistry) -> None:
    registry.on(IMPORT_REQUESTED, on_import_requested, lane=PORTABILITY_LANE)
    registry.on(EXPORT_REQUESTED, on_export_requested, lane=PORTABILITY_LANE)


def schedule(scheduler: Scheduler, context: AppContext) -> None:
    """Purge accounts whose deletion grace period is over; remove expired export zips."""
    scheduler.every(
        context.settings.account_purge_interval_seconds, "account_purge", deletion.purge_due
    )
    # Export zips whose link has expired (checked as often as the purge).
    scheduler.every(
        context.settings.account_purge_interval_seconds, "export_expiry", exporter.remove_expired
    )
