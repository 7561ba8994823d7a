"""The account mails: subject (with the instance name), plain text and HTML."""

from __future__ import annotations

from html import escape

from shutter.mail.message import Mail


def _mail(instance: str, to: str, subject: str, lines: list[str], link: str | None) -> Mail:
    text = "\n\n".join(lines + ([link] if link else [])) + f"\n\n— {instance}\n"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    button = f'<p><a href="{escape(link, quote=True)}">{escape(link)}</a></p>' if link else ""
    html = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"{paragraphs}{button}<p>— {escape(instance)}</p></body></html>"
    )
    return Mail(to=to, subject=f"[{instance}] {subject}", text=text, html=html)


def password_reset(instance: str, to: str, username: str, link: str, ttl_minutes: int) -> Mail:
    return _mail(
        instance,
        to,
        "Reset your password",
        [
            f"Hi {username},",
            f"someone (hopefully you) asked to reset the password of your {instance} account. "
            f"Open this link within {ttl_minutes} minutes to choose a new one; it works once.",
            "If you did not ask for this, ignore this mail: your password stays as it is.",
        ],
        link,
    )


def password_was_reset(instance: str, to: str, username: str) -> Mail:
    return _mail(
        instance,
        to,
        "Your password was changed",
        [
            f"Hi {username},",
            "the password of your account was just reset through a mailed link, and every "
            "device that was signed in has been signed out.",
            "If this was not you, reset your password again at once and check your email "
            "account's security.",
        ],
        None,
    )


def verify_email(instance: str, to: str, username: str, link: str) -> Mail:
    return _mail(
        instance,
        to,
        "Confirm your email address",
        [
            f"Hi {username},",
            f"confirm that this address belongs to your {instance} account by opening this "
            "link (it works once):",
        ],
        link,
    )


def email_changed(instance: str, to: str, username: str, new_email: str) -> Mail:
    return _mail(
        instance,
        to,
        "Your email address was changed",
        [
            f"Hi {username},",
            f"the email address of your account was changed to {new_email}. "
            "Mail about your account now goes there.",
            "If this was not you, reset your password and contact the instance's operators.",
        ],
        None,
    )
