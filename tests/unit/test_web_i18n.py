"""Every user-visible string of the web client goes through the message catalogue
(js/i18n.js): a scan of the modules for English-looking string literals that are not a
t() / tParts() key, outside the places that are never shown (classes, selectors, keys,
event names, URLs), with a small allow-list. Modules whose screens have not moved to the
catalogue yet are listed in NOT_YET; the list may only shrink (a listed module that is
clean fails too, so that it is taken off)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "src" / "shutter" / "web" / "static" / "js"

# A string literal ("..." or `...`) on one line.
_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\\n]|\\.)*)`')
# Where a literal is never shown: the keys of the catalogue, classes, selectors, events,
# attributes' names, MIME types, storage keys, console output.
_NOT_SHOWN_BEFORE = re.compile(
    r"(\bt\(|\btParts\(|class: |className = |classList\.\w+\(|closest\(|querySelector(All)?\("
    r"|addEventListener\(|removeEventListener\(|dispatchEvent\(new CustomEvent\(|getAttribute\("
    r"|setAttribute\(\"[\w-]+\", |Item\(|console\.\w+\(|type: |rel: |accept: |autocomplete: "
    r"|dataset: \{[^}]*|\bid: |\bfor: |\bname: |\bhref: |\bsrc: |\bkey === |\bkind === |role: "
    r"|\bunit: |\bmethod: |new URLSearchParams\()$"
)
# Words of prose: letters, then a space and a letter; or one capitalised word; or an ending
# of a sentence.
_PROSE = re.compile(r"[A-Za-z]{2,}[^\n]*\s[A-Za-z]|^[A-Z][a-z]+[.!?…]?$|[A-Za-z]{2,}[.!?…]$")

# Literals that are fine as they are (the brand, symbols, ARIA role descriptions).
ALLOWED = {
    ("api.js", "Bearer ${auth.token}"),  # an HTTP header
    ("api.js", "Bearer ${access}"),  # an HTTP header
    ("feed.js", "${MODE_COOKIE}=${mode}; path=/; max-age=31536000; samesite=lax"),  # a cookie
    ("oauth-consent.js", "Bearer ${token}"),  # an HTTP header
    ("app.js", " · Shutter"),
    ("app.js", "Shutter"),
    ("blurhash.js", "invalid blurhash"),  # a decoder's error, caught, never shown
    ("postcard.js", "dot on"),  # a class
    ("push.js", "Notification"),  # `"Notification" in window`
    ("stories.js", "width ${remaining}ms linear"),  # a CSS transition
}
# Modules whose strings are still English literals (docs/web.md, "Left to do").
NOT_YET: set[str] = set()


def english_literals(path: Path) -> list[tuple[int, str]]:
    found = []
    in_comment = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if in_comment or stripped.startswith("/*"):
            in_comment = "*/" not in stripped
            continue
        if stripped.startswith(("//", "import ", "export {")):
            continue
        code = re.sub(r"\s//\s.*$", "", line)
        for match in _LITERAL.finditer(code):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            shown = re.sub(r"\$\{[^}]*\}", " ", text).strip()
            if not _PROSE.search(shown) or shown.startswith(("/", "http", ".", "#", "[", "(")):
                continue
            if _NOT_SHOWN_BEFORE.search(code[: match.start()]):
                continue
            found.append((number, text))
    return found


def _modules() -> list[str]:
    return sorted(p.relative_to(JS).as_posix() for p in JS.rglob("*.js") if p.name != "i18n.js")


@pytest.mark.parametrize("module", _modules())
def test_user_visible_strings_go_through_the_catalogue(module: str) -> None:
    found = [
        (number, text)
        for number, text in english_literals(JS / module)
        if (Path(module).name, text) not in ALLOWED
    ]
    if module in NOT_YET:
        assert found, f"{module} has no English literals left: take it off NOT_YET"
        return
    assert not found, "\n".join(
        f"{module}:{n}: {text!r} is not in the catalogue" for n, text in found
    )


def test_the_scan_sees_an_english_literal() -> None:
    """The scan itself: a text child, an aria-label and a placeholder are caught; a
    catalogue key, a class and a selector are not."""
    sample = JS.parent / "scan-sample.tmp.js"
    sample.write_text(
        'h("p", {}, "No posts yet");\n'
        'h("button", { "aria-label": "Close the dialog" });\n'
        'input.placeholder = "Search people…";\n'
        'h("p", { class: "muted small" }, t("feed.caughtUp"));\n'
        'el.closest("button, video");\n',
        encoding="utf-8",
    )
    try:
        assert [text for _, text in english_literals(sample)] == [
            "No posts yet",
            "Close the dialog",
            "Search people…",
        ]
    finally:
        sample.unlink()


def test_every_key_used_has_an_english_and_a_spanish_message() -> None:
    catalogue = (JS / "i18n.js").read_text(encoding="utf-8")
    english, spanish = catalogue.split("\n  es: {", 1)
    defined_en = set(re.findall(r'^    "([\w.]+)":', english, re.MULTILINE))
    defined_es = set(re.findall(r'^    "([\w.]+)":', spanish, re.MULTILINE))
    assert defined_en == defined_es, sorted(defined_en ^ defined_es)
    used: set[str] = set()
    for module in _modules():
        source = (JS / module).read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt(?:Parts)?\("([\w.]+)"', source))
    assert used <= defined_en, sorted(used - defined_en)


def test_the_boot_script_says_the_catalogue_s_words() -> None:
    """index.html's boot script draws the first posts before any module (so without
    i18n.js): the few messages it says are the catalogue's, in each language."""
    catalogue = (JS / "i18n.js").read_text(encoding="utf-8")
    english, spanish = catalogue.split("\n  es: {", 1)
    page = (JS.parent / "index.html").read_text(encoding="utf-8")
    words = re.search(r"var WORDS = \{\n(.*?)\n\s*\};", page, re.DOTALL)
    assert words is not None
    said = dict(re.findall(r"^\s*(\w+): \{(.*)\},?$", words[1], re.MULTILINE))
    assert set(said) == {"en", "es"}
    for language, messages in (("en", english), ("es", spanish)):
        entries = re.findall(r'"([\w.]+)": "([^"]*)"', said[language])
        assert entries, language
        for key, text in entries:
            assert f'    "{key}": "{text}",' in messages, (language, key)
