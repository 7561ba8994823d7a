"""What may be a username or an email address, and the one form each is stored and
compared in (so that two accounts can never look alike)."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

USERNAME_PATTERN = re.compile(r"^[a-z0-9._]{1,30}$")

# Names that would shadow a page of the web client or a path of the server (/u/login is
# fine, but a client or a person reading "shutter.example/admin" must never wonder), and
# the names people trust to speak for the service. Registration refuses them; accounts
# that already have one keep it. tests/unit/test_identity.py checks that every first
# path segment the app routes is here.
RESERVED_USERNAMES = frozenset(
    {
        # the web client's sections (web/api.py CLIENT_SECTIONS) and its static files
        *("login", "logout", "signup", "register", "new", "explore", "search"),
        *("notifications", "direct", "requests", "settings", "p", "u", "tags", "stories"),
        *("static", "favicon.ico", "robots.txt", "index.html", "manifest.json"),
        *("manifest.webmanifest", "sw.js", "forgot-password", "reset-password", "verify-email"),
        # the server's own paths
        *("api", "media", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics"),
        *("ws", "auth", "users", "posts", "feed", "comments", "hashtags", "locations"),
        *("messages", "conversations", "follow-requests", "blocks", "me", "oauth", "sessions"),
        *("reports", "appeals", "saved", "collections", "highlights", "reels", "archive"),
        *("imports", "exports", "push", "suspended"),
        *("well-known", ".well-known", "mastodon", "activitypub", "nodeinfo", "inbox"),
        # names that speak for the service
        *("admin", "administrator", "root", "system", "sysadmin", "superuser", "support"),
        *("help", "info", "contact", "security", "abuse", "postmaster", "webmaster"),
        *("hostmaster", "noreply", "no-reply", "moderator", "moderators", "mod", "staff"),
        *("team", "official", "shutter", "about", "privacy", "terms", "legal", "status"),
        *("account", "accounts", "profile", "home", "null", "none", "undefined", "anonymous"),
        *("everyone", "all", "here", "www", "mail", "email", "test", "user", "username"),
    }
)


def normalise_username(value: str) -> str:
    """A username for a new account, lower-cased; ValueError unless it is 1-30 of a-z,
    0-9, '.' and '_', with a letter or digit, no dot at either end nor two in a row, and
    not reserved."""
    value = value.strip().lower()
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError("a username is 1 to 30 characters of a-z, 0-9, '.' and '_'")
    if not any(char.isalnum() for char in value):
        raise ValueError("a username needs at least one letter or digit")
    if value.startswith(".") or value.endswith(".") or ".." in value:
        raise ValueError("a username cannot start or end with '.' nor have two in a row")
    if value in RESERVED_USERNAMES:
        raise ValueError("that username is reserved")
    return value


def could_be_username(value: str) -> bool:
    """Could some account have this name (reserved ones included)? A lookup of anything
    else answers 404 without asking the database."""
    return bool(USERNAME_PATTERN.fullmatch(value))


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name ("CYRILLIC SMALL LETTER A"); None
    for what belongs to every script (digits, punctuation, marks)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


# Scripts written together by one language: Japanese, Korean with Hanja.
_SCRIPTS_USED_TOGETHER = (frozenset({"CJK", "HIRAGANA", "KATAKANA"}), frozenset({"CJK", "HANGUL"}))


def is_single_script(text: str) -> bool:
    """True when the letters of `text` come from one script (or from scripts one
    language writes together): "раураl" (Cyrillic and Latin) is not."""
    scripts = {script for script in map(_script, text) if script is not None}
    return len(scripts) <= 1 or any(scripts <= allowed for allowed in _SCRIPTS_USED_TOGETHER)


def normalise_email(value: str) -> str:
    """The stored form of an address: NFKC (full-width and styled letters become plain
    ones), validated, lower-cased. ValueError for an invalid address, and for one whose
    local part or a domain label mixes scripts (a Cyrillic "а" among Latin letters)."""
    value = unicodedata.normalize("NFKC", value.strip())
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
    for part in (result.local_part, *result.domain.split(".")):
        if not is_single_script(part):
            raise ValueError(
                f"not a valid email address: letters from different scripts are mixed in {part!r}"
            )
    return unicodedata.normalize("NFKC", result.normalized).lower()


def normalise_login(value: str) -> str:
    """A username or an email as typed at sign-in, in the form accounts are stored in
    (so that a full-width or upper-case spelling finds the account)."""
    return unicodedata.normalize("NFKC", value.strip()).lower()
