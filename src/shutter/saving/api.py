"""Saving: POST/DELETE /posts/{id}/save, GET /users/me/saved, and the collections:
GET/POST /collections, GET/PATCH/DELETE /collections/{id},
POST/DELETE /collections/{id}/posts/{post_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, Read, UrlFor, Write
from shutter.http.responses import json_response
from shutter.posts.api import PostId
from shutter.posts.schemas import PostPage
from shutter.saving import service
from shutter.saving.schemas import (
    CollectionCreate,
    CollectionEnvelope,
    CollectionPage,
    CollectionPosts,
    CollectionPostState,
    CollectionUpdate,
    SaveState,
)

router = APIRouter(tags=["saving"])

CollectionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a collection id")]
PostFilter = Annotated[
    int | None,
    Query(ge=1, le=2**63 - 1, description="say of each collection whether it holds this post"),
]


@router.post("/posts/{post_id}/save", response_model=SaveState)
async def save(post_id: PostId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Save a post to "All saved" (idempotent); 404 for a post you cannot see."""
    return json_response(await service.save(context, uow, viewer.id, post_id))


@router.delete("/posts/{post_id}/save", response_model=SaveState)
async def unsave(post_id: PostId, viewer: CurrentUser, uow: Write) -> Response:
    """Unsave a post; it leaves every collection too (idempotent)."""
    return json_response(await service.unsave(uow, viewer.id, post_id))


@router.get("/users/me/saved", response_model=PostPage)
async def saved(
    viewer: CurrentUser, conn: Read, context: Context, url_for: UrlFor, paging: Page
) -> Response:
    """ "All saved": your saved posts you may still see, newest save first."""
    page = await service.list_saved(
        conn, viewer.id, paging.after, paging.limit, url_for, context.hydration
    )
    return json_response(page)


@router.get("/collections", response_model=CollectionPage)
async def list_collections(
    viewer: CurrentUser, conn: Read, url_for: UrlFor, paging: Page, post_id: PostFilter = None
) -> Response:
    """Your collections, newest first (they are private: nobody else sees them)."""
    page = await service.list_collections(
        conn, viewer.id, paging.after, paging.limit, url_for, post_id
    )
    return json_response(page)


@router.post("/collections", status_code=201, response_model=CollectionEnvelope)
async def create_collection(
    body: CollectionCreate, viewer: CurrentUser, uow: Write, context: Context, url_for: UrlFor
) -> Response:
    """A new private collection (at most 100 per account: 409 `too_many_collections`)."""
    collection = await service.create_collection(context, uow, viewer.id, body.name, url_for)
    return json_response({"collection": collection}, 201)


@router.get("/collections/{collection_id}", response_model=CollectionPosts)
async def get_collection(
    collection_id: CollectionId,
    viewer: CurrentUser,
    conn: Read,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """One of your collections with a page of its posts, in its order."""
    result = await service.get_collection(
        conn, viewer.id, collection_id, paging.after, paging.limit, url_for, context.hydration
    )
    return json_response(result)


@router.patch("/collections/{collection_id}", response_model=CollectionEnvelope)
async def update_collection(
    collection_id: CollectionId,
    body: CollectionUpdate,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Rename a collection and/or reorder its posts (`post_ids`, first shown first)."""
    collection = await service.update_collection(
        context, uow, viewer.id, collection_id, body, url_for
    )
    return json_response({"collection": collection})


@router.delete("/collections/{collection_id}", status_code=204)
async def delete_collection(
    collection_id: CollectionId, viewer: CurrentUser, uow: Write
) -> Response:
    """Delete a collection; its posts stay saved."""
    await service.delete_collection(uow, viewer.id, collection_id)
    return Response(status_code=204)


@router.post("/collections/{collection_id}/posts/{post_id}", response_model=CollectionPostState)
async def add_post(
    collection_id: CollectionId,
    post_id: PostId,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
) -> Response:
    """Put a post in a collection, first in its order; this saves it too (idempotent)."""
    return json_response(await service.add_post(context, uow, viewer.id, collection_id, post_id))


@router.delete("/collections/{collection_id}/posts/{post_id}", response_model=CollectionPostState)
async def remove_post(
    collection_id: CollectionId, post_id: PostId, viewer: CurrentUser, uow: Write
) -> Response:
    """Take a post out of a collection; it stays saved (idempotent)."""
    return json_response(await service.remove_post(uow, viewer.id, collection_id, post_id))
