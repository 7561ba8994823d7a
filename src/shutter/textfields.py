"""Text that people type: one rule for every field of every request (names, bios, captions,
comments, messages, places, search queries, logins).

The rule, applied by the two types below (`Line` for one-line fields, `Paragraph` for
fields that may span lines):

- the text is normalised to NFC (so that "é" typed two ways is stored, compared and
  counted one way), and in a paragraph `\\r\\n` and `\\r` become `\\n`;
- control characters are refused: every C0 and C1 control (NUL, BEL, ESC...), except
  newline and tab in a paragraph; lone surrogates (PostgreSQL cannot store them);
  Unicode noncharacters; line and paragraph separators;
- bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) are refused: they
  reorder what is shown after them ("gpj.exe" shown as "exe.jpg") and leak out of the
  field into whatever the client puts next to it. Marks (U+200E, U+200F, U+061C) stay:
  mixed right-to-left and left-to-right text needs them and they cannot leak;
- text made only of invisible characters (spaces, zero-width characters, fillers) is
  refused, so nothing looks blank yet is not empty. Zero-width joiners inside visible
  text (emoji sequences, Indic scripts) are fine.

Every schema declares its text fields as `Annotated[str, Line(max_length=...)]` or
`Annotated[str, Paragraph(max_length=...)]`. A refusal is a 422 in the error envelope
naming the field (`bio: ...`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

BIDI_CONTROLS = frozenset({*range(0x202A, 0x202F), *range(0x2066, 0x206A)})
# Shown as nothing by common fonts although they are letters or symbols, not spaces.
_FILLERS = frozenset({0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0})
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"})
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _refused(char: str, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    code = ord(char)
    return (
        unicodedata.category(char) in _REFUSED_CATEGORIES
        or code in BIDI_CONTROLS
        or _is_noncharacter(code)
    )


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or ord(char) in _FILLERS
    )


def clean_text(value: str, *, multiline: bool) -> str:
    """The text in its stored form (NFC); raises a validation error (ValueError) naming
    the first character refused, or when the text is made only of invisible characters."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    for char in value:
        if _refused(char, multiline):
            raise PydanticCustomError(
                "text_control_character",
                "contains U+{code}, a control or direction-override character; "
                "these are not allowed{hint}",
                {
                    "code": f"{ord(char):04X}",
                    "hint": " (newlines and tabs are)" if multiline else "",
                },
            )
    if value and all(_invisible(char) for char in value):
        raise PydanticCustomError(
            "text_invisible", "is made only of spaces or invisible characters"
        )
    return value


@dataclass(frozen=True)
class TextRule:
    """The annotation that applies the rule to a `str` field, with the field's lengths:
    `Annotated[str, Line(max_length=64)]`. The maximum length is that of the normalised text."""

    max_length: int
    min_length: int = 0
    multiline: bool = False
    strip: bool = False

    def clean(self, value: str) -> str:
        value = clean_text(value, multiline=self.multiline)
        if len(value) > self.max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": self.max_length},
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # The maximum is checked after normalisation (in `clean`), when the length is
        # the stored one; the schema still declares it, for clients and the fuzzer.
        text = core_schema.str_schema(
            min_length=self.min_length or None, strip_whitespace=self.strip or None
        )
        return core_schema.no_info_after_validator_function(self.clean, text)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        result = handler(schema)
        result["maxLength"] = self.max_length
        return result


def Line(max_length: int, *, min_length: int = 0, strip: bool = False) -> TextRule:
    """One line: names, places, search queries, logins."""
    return TextRule(max_length, min_length, multiline=False, strip=strip)


def Paragraph(max_length: int, *, min_length: int = 0) -> TextRule:
    """Several lines (newlines and tabs allowed): bios, captions, comments, messages."""
    return TextRule(max_length, min_length, multiline=True)
