"""Mail adapters: SMTP, and `.eml` files in a directory (no mail server configured)."""

from __future__ import annotations

import abc
import re
import smtplib
import ssl
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio.to_thread
import structlog

from shutter.ids import IdGenerator
from shutter.mail.message import Mail

log = structlog.get_logger("shutter.mail")


class MailSender(abc.ABC):
    """Delivers one mail; raises on failure (the event handler retries, then dead-letters)."""

    @abc.abstractmethod
    async def send(self, mail: Mail) -> None: ...


class SmtpSender(MailSender):
    """SMTP: `smtp://user:pass@host:port` (STARTTLS when the server offers it; port 587 by
    default) or `smtps://user:pass@host:port` (TLS from the first byte; port 465).

    One connection per mail: account mail is rare, and a connection kept open would only
    fail later. smtplib blocks, so it runs in a thread."""

    def __init__(self, url: str, sender: str, timeout_s: float = 30.0) -> None:
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout_s = timeout_s

    async def send(self, mail: Mail) -> None:
        message = mail.to_email(self.sender)
        await anyio.to_thread.run_sync(self._send, message)
        log.info("mail_sent", transport="smtp", subject=mail.subject)

    def _send(self, message: object) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            smtp.ehlo()
            if not self.tls and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)  # type: ignore[arg-type]


class DirectorySender(MailSender):
    """Writes each mail as `<id>-<recipient>.eml` in a directory and logs its subject, so
    that an instance without a mail server can still complete every flow (the operator
    opens the file, or the test reads it). Files are written whole, then renamed."""

    def __init__(self, directory: Path, sender: str, ids: IdGenerator) -> None:
        self.directory = directory
        self.sender = sender
        self.ids = ids

    async def send(self, mail: Mail) -> None:
        name = f"{self.ids.next_id()}-{_safe(mail.to)}.eml"
        data = mail.to_email(self.sender).as_bytes()
        await anyio.to_thread.run_sync(self._write, name, data)
        log.info("mail_written", transport="files", subject=mail.subject, file=name)

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.directory / f".{name}.part"
        partial.write_bytes(data)
        partial.chmod(0o600)  # the links in it sign someone in
        partial.rename(self.directory / name)


def _safe(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", address)[:100]


class MemorySender(MailSender):
    """Keeps mail in a list (use-case tests)."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)
