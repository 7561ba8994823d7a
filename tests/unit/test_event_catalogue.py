"""Every event type is in the catalogue: an event left out is written to the outbox and
then never decoded, so its handlers never run (and nothing says so)."""

from __future__ import annotations

from shutter.events import types


def test_every_domain_event_is_catalogued_under_its_own_topic() -> None:
    defined = {
        value
        for value in vars(types).values()
        if isinstance(value, type)
        and issubclass(value, types.DomainEvent)
        and value is not types.DomainEvent
    }
    assert defined == set(types.CATALOGUE)
    assert len(types.BY_TOPIC) == len(types.CATALOGUE)  # no two share a topic
