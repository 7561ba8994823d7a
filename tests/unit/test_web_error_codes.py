"""The web client words every error the server can send it in the reader's language:
each error code the server raises (the envelope's `error.code`, and a failed upload's
processing code) has an `error.<code>` message in the catalogue (js/i18n.js), in English
and Spanish, unless it is in NEVER_SHOWN, the codes no person meets through the web
client (docs/web.md, Internationalisation). The codes are read from the server's source,
so a new code without a message fails here."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shutter"
CATALOGUE = SRC / "web" / "static" / "js" / "i18n.js"

# Where a code is named: `code="..."` (a keyword or a class attribute), error_response(
# status, "code", ...), a media processing failure (MediaRejected("code", ...) and
# _fail(context, media_id, stage, "code", ...)), and the status → code table.
_RAISED = re.compile(
    r'\bcode\s*=\s*(f?)"([a-z0-9_{}]+)"'
    r'|error_response\(\s*\d+,\s*()"([a-z0-9_]+)"'
    r'|MediaRejected\(\s*()"([a-z0-9_]+)"'
    r'|_fail\(\s*\w+,\s*\w+,\s*"\w+",\s*()"([a-z0-9_]+)"'
    r'|^\s+\d{3}: ()"([a-z0-9_]+)",$',
    re.MULTILINE,
)
# A code made by an f-string, and every code it makes.
DYNAMIC = {"{field}_taken": {"username_taken", "email_taken"}}

# Codes no person meets through the web client, and why.
NEVER_SHOWN = {
    "invalid_id": "the Mastodon-compatible API's ids only",
    "malformed_json": "the client sends only JSON it serialised itself",
    "method_not_allowed": "a route the server lacks: the client shows 'not available yet'",
    "not_acceptable": "the client always accepts JSON",
    "invalid_cursor": "cursors are only ever the server's own",
    "idempotency_key_reused": "the client makes a new key for each new post",
    "client_message_id_reused": "the client makes a new id for each message",
    "invalid_refresh_token": "the silent refresh (api.js): a failure logs out",
    "refresh_token_reused": "the silent refresh (api.js): a failure logs out",
    "cannot_notify_self": "your own profile has no bell",
}


def raised_codes() -> dict[str, set[str]]:
    """Every error code in the server's source, with the files that raise it."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for match in _RAISED.finditer(path.read_text(encoding="utf-8")):
            groups = match.groups()
            fstring, code = next(
                (groups[i], groups[i + 1]) for i in range(0, len(groups), 2) if groups[i + 1]
            )
            codes = {code}
            if fstring or "{" in code:
                assert code in DYNAMIC, f"{path}: the code f{code!r} is not in DYNAMIC"
                codes = DYNAMIC[code]
            for one in codes:
                found.setdefault(one, set()).add(str(path.relative_to(SRC)))
    return found


def catalogue_keys() -> tuple[set[str], set[str]]:
    english, spanish = CATALOGUE.read_text(encoding="utf-8").split("\n  es: {", 1)
    key = re.compile(r'^    "([\w.]+)":', re.MULTILINE)
    return set(key.findall(english)), set(key.findall(spanish))


def test_the_scan_finds_the_codes_of_each_kind_of_raise() -> None:
    codes = raised_codes()
    for code in (
        "validation_error",  # a class attribute
        "user_not_found",  # a keyword
        "temporarily_unavailable",  # error_response(503, "...")
        "method_not_allowed",  # the status table
        "undecodable",  # a media processing failure
        "username_taken",  # an f-string
    ):
        assert code in codes, code
    assert len(codes) > 100


def test_every_error_a_person_can_meet_has_an_english_and_a_spanish_message() -> None:
    english, spanish = catalogue_keys()
    codes = raised_codes()
    missing = {
        code: sorted(where)
        for code, where in codes.items()
        if code not in NEVER_SHOWN and f"error.{code}" not in english
    }
    assert not missing, f"codes with no error.<code> message in i18n.js: {missing}"
    untranslated = sorted(k for k in english - spanish if k.startswith("error."))
    assert not untranslated, untranslated


def test_the_never_shown_list_names_only_codes_the_server_still_raises() -> None:
    english, _ = catalogue_keys()
    codes = raised_codes()
    stale = sorted(code for code in NEVER_SHOWN if code not in codes)
    assert not stale, f"take these off NEVER_SHOWN: {stale}"
    both = sorted(code for code in NEVER_SHOWN if f"error.{code}" in english)
    assert not both, f"in NEVER_SHOWN and in the catalogue: {both}"
