"""A typed row names exactly the columns of its table: a column added to the table (or
renamed) without the row type following fails here, not as a KeyError in a request."""

from __future__ import annotations

import pytest
from sqlalchemy import Table

from shutter.accounts.repository import RefreshTokenRow, SessionRow, TokenRow
from shutter.db.tables import (
    account_tokens,
    appeals,
    auth_sessions,
    exports,
    imports,
    media,
    moderation_actions,
    refresh_tokens,
    reports,
)
from shutter.media.repository import StoredMedia
from shutter.moderation.repository import ActionRow, AppealRow, ReportRow
from shutter.portability.repository import ExportRow, ImportRow


@pytest.mark.parametrize(
    ("table", "fields"),
    [
        (reports, list(ReportRow.__annotations__)),
        (moderation_actions, list(ActionRow.__annotations__)),
        (appeals, list(AppealRow.__annotations__)),
        (account_tokens, list(TokenRow._fields)),
        (auth_sessions, list(SessionRow._fields)),
        (refresh_tokens, list(RefreshTokenRow._fields)),
        (media, list(StoredMedia.__annotations__)),
        (imports, list(ImportRow._fields)),
        (exports, list(ExportRow._fields)),
    ],
    ids=lambda value: value.name if isinstance(value, Table) else "",
)
def test_a_row_type_has_the_columns_of_its_table(table: Table, fields: list[str]) -> None:
    assert fields == [column.name for column in table.columns]
