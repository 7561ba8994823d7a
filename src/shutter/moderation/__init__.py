"""Trust and safety: roles, reports, the moderation queue and its actions, the audit log,
appeals, and automatic screening of uploads (docs/moderation.md)."""
