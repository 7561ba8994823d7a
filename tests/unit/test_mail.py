"""The mail adapters without a server of their own: the MIME message, the .eml files, the
SMTP URL, and the device names of the session list."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from shutter.accounts import mails
from shutter.accounts.sessions import describe_device
from shutter.ids import IdGenerator
from shutter.mail.senders import DirectorySender, SmtpSender
from tests.mailbox import Mailbox, parse


def test_a_mail_has_a_plain_and_an_html_body_and_the_instance_in_its_subject() -> None:
    mail = mails.password_reset(
        "Pixel <Town>", "ann@example.com", "ann", "https://x.example/reset-password#token=abc", 60
    )
    message = mail.to_email("Pixel <no-reply@x.example>")
    assert message["Subject"] == "[Pixel <Town>] Reset your password"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert "https://x.example/reset-password#token=abc" in plain.get_content()  # type: ignore[attr-defined]
    html_text = html.get_content()  # type: ignore[attr-defined]
    assert "Pixel &lt;Town&gt;" in html_text  # escaped, never markup
    assert 'href="https://x.example/reset-password#token=abc"' in html_text
    assert message["Message-ID"].endswith("@x.example>")


def test_the_directory_sender_writes_whole_private_eml_files(tmp_path: Path) -> None:
    sender = DirectorySender(tmp_path / "mail", "Shutter <no-reply@localhost>", IdGenerator(1))
    mail = mails.email_changed("Shutter", "old/../x@example.com", "ann", "new@example.com")
    asyncio.run(sender.send(mail))
    (path,) = (tmp_path / "mail").iterdir()
    assert path.suffix == ".eml"
    assert "/" not in path.name  # the address cannot lead the file out of the mail dir
    assert path.stat().st_mode & 0o777 == 0o600
    message = parse(path.read_bytes())
    assert message["To"] == "old/../x@example.com"
    assert "new@example.com" in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", (False, "mail.example", 587, None, None)),
        ("smtps://u:p%40ss@mail.example", (True, "mail.example", 465, "u", "p@ss")),
        ("smtp://u%3Ax:p@127.0.0.1:2525", (False, "127.0.0.1", 2525, "u:x", "p")),
    ],
)
def test_the_smtp_url_names_the_server_and_the_login(
    url: str, expected: tuple[bool, str, int, str | None, str | None]
) -> None:
    sender = SmtpSender(url, "a@b.example")
    assert (sender.tls, sender.host, sender.port, sender.username, sender.password) == expected


def test_the_smtp_sender_logs_in_and_delivers() -> None:
    box = Mailbox().start()
    try:
        sender = SmtpSender(box.url, "Shutter <no-reply@shutter.example>", timeout_s=10)
        mail = mails.verify_email(
            "Shutter", "bo@example.com", "bo", "http://h/verify-email#token=t"
        )
        asyncio.run(sender.send(mail))
        (received,) = box.to("bo@example.com")
        assert received.login == "mailer"
        assert received.sender == "no-reply@shutter.example"
        assert received.token() == "t"
    finally:
        box.stop()


def test_a_refused_login_raises_so_that_the_event_is_retried() -> None:
    box = Mailbox().start()
    try:
        sender = SmtpSender(box.url.replace("mailer:", "intruder:"), "a@b.example", timeout_s=10)
        mail = mails.password_was_reset("Shutter", "bo@example.com", "bo")
        with pytest.raises(Exception, match="uthentication"):
            asyncio.run(sender.send(mail))
        assert box.received == []
    finally:
        box.stop()


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0 Safari/537.36 Edg/130.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
    ],
)
def test_the_device_is_named_from_the_user_agent(agent: str, device: str) -> None:
    assert describe_device(agent) == device
