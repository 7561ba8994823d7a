"""The account events, all in one place. Each one ends in a mail (accounts/tasks.py).

Payloads carry no secret: the one-time token of a link is made by the handler that
sends the mail, so the outbox (and the event log) never holds a usable token."""

from __future__ import annotations

# {email, base_url}: someone asked for a reset link for this address (which may belong
# to no account: recorded either way, so that the answer reveals nothing).
PASSWORD_RESET_REQUESTED = "account.password_reset_requested"  # noqa: S105 - a topic
# {user_id}: the password was reset through a mailed link; the owner is told.
PASSWORD_RESET = "account.password_reset"  # noqa: S105 - a topic
# {user_id, email, base_url}: a verification link is due for this address (registration,
# resend, email change).
VERIFICATION_REQUESTED = "account.verification_requested"
# {user_id, old_email, new_email}: the old address is told of the change.
EMAIL_CHANGED = "account.email_changed"

TOPICS = (PASSWORD_RESET_REQUESTED, PASSWORD_RESET, VERIFICATION_REQUESTED, EMAIL_CHANGED)
