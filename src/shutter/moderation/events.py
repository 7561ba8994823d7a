"""The events of trust and safety, all in one place (past tense, stable wire names).

Payload of both: {"target_type": "post"|"comment"|"story", "target_id", "author_id"}.
Read paths hide a removed target at once (the visibility rule); these events tidy the
stored timelines afterwards (moderation/tasks.py).
"""

from __future__ import annotations

REMOVED_TOPIC = "moderation.content_removed"
RESTORED_TOPIC = "moderation.content_restored"
MODERATION_TOPICS = (REMOVED_TOPIC, RESTORED_TOPIC)
