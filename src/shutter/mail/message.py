"""A mail to send: one recipient, a subject, a plain-text and an HTML body."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from shutter.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str

    def to_email(self, sender: str) -> EmailMessage:
        """The MIME message: multipart/alternative, plain text first (RFC 2046: the
        preferred part last)."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(utcnow())
        domain = sender.rpartition("@")[2].rstrip(">").strip() or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message
