"""Mastodon's OAuth scopes: `read`, `write`, `follow`, `push` and their sub-scopes
(`read:statuses`, `write:media`, ...). A granted top-level scope covers its sub-scopes;
the legacy `follow` covers reading and writing follows, blocks and mutes."""

from __future__ import annotations

from collections.abc import Iterable

TOP_LEVEL = ("read", "write", "follow", "push")
_READ = (
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
)
_WRITE = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
)
SUPPORTED = frozenset(
    [*TOP_LEVEL, *(f"read:{name}" for name in _READ), *(f"write:{name}" for name in _WRITE)]
)
_FOLLOW_COVERS = frozenset(
    f"{kind}:{name}" for kind in ("read", "write") for name in ("follows", "blocks", "mutes")
)
DEFAULT = ("read",)


class InvalidScope(ValueError):
    """A scope this server does not know."""


def parse(text: str | None, default: Iterable[str] = DEFAULT) -> tuple[str, ...]:
    """Scopes from a space-separated string (`+` also separates, as some clients send);
    the default when empty; raises InvalidScope for an unknown one."""
    names = [part for part in (text or "").replace("+", " ").split() if part]
    if not names:
        return tuple(default)
    unknown = [name for name in names if name not in SUPPORTED]
    if unknown:
        raise InvalidScope(f"unknown scope: {unknown[0]}")
    return tuple(dict.fromkeys(names))


def covers(granted: Iterable[str], required: str) -> bool:
    """Whether the granted scopes allow `required` (a top-level scope or a sub-scope)."""
    have = set(granted)
    if required in have:
        return True
    top = required.split(":", 1)[0]
    if ":" in required and top in have:
        return True
    return "follow" in have and required in _FOLLOW_COVERS


def subset(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether every requested scope is covered by the allowed ones."""
    allowed = tuple(allowed)
    return all(covers(allowed, scope) for scope in requested)


def join(names: Iterable[str]) -> str:
    return " ".join(names)
