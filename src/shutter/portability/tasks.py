"""The portability jobs' event handlers, in a lane of their own, and their periodic jobs."""

from __future__ import annotations

from shutter.context import AppContext
from shutter.events.periodic import Scheduler
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import ExportRequested, ImportRequested
from shutter.portability import deletion, exporter, importer
from shutter.portability.events import PORTABILITY_LANE


async def on_import_requested(context: AppContext, event: ImportRequested) -> None:
    await importer.run_import(context, event.import_id)


async def on_export_requested(context: AppContext, event: ExportRequested) -> None:
    await exporter.run_export(context, event.export_id)


def register(registry: HandlerRegistry[AppContext]) -> None:
    # Like media's handlers, these take the AppContext: an import runs the media upload
    # flow, the stores and the object store, nearly all of it.
    registry.on(ImportRequested, on_import_requested, lane=PORTABILITY_LANE)
    registry.on(ExportRequested, on_export_requested, lane=PORTABILITY_LANE)


def schedule(scheduler: Scheduler[AppContext], context: AppContext) -> None:
    """Purge accounts whose deletion grace period is over; remove expired export zips."""
    scheduler.every(
        context.settings.account_purge_interval_seconds, "account_purge", deletion.purge_due
    )
    # Export zips whose link has expired (checked as often as the purge).
    scheduler.every(
        context.settings.account_purge_interval_seconds, "export_expiry", exporter.remove_expired
    )
