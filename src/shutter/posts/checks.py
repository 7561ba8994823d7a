"""What may look at a post in the transaction that creates it (trust and safety applies
the media's screening there). The checks are built in `app.py` and handed to the context,
so that posts/ never imports the features that check it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shutter.context import AppContext
    from shutter.db.unit_of_work import UnitOfWork


class NewPostCheck(Protocol):
    async def __call__(
        self, context: AppContext, uow: UnitOfWork, target_id: int, author_id: int, /
    ) -> None:
        """Act on a post (or story) being created (not on a replayed request), in its
        transaction; `target_id` is the post's (or story's) id."""
        ...
