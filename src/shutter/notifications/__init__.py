"""Notifications: produced by workers from events, aggregated, listed, marked read."""
