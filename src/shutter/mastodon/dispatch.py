"""Paths Shutter's own API and the Mastodon API both claim (`/api/v1/notifications`,
`/api/v1/media/{id}`): dispatched by the kind of bearer token.

A route of `shared_path_router()` matches only a request carrying an OAuth access token
(`oauth.service.TOKEN_PREFIX`); any other request (a native JWT, or none) does not match
it and goes on to the next route with the path, Shutter's own, unchanged. Include such a
router before Shutter's own routes (app.py). The check reads the header only; the token is
authenticated by the route's `scoped(...)` dependency as on every Mastodon route. These
routes stay out of the OpenAPI document, which describes Shutter's own route of the path.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

from shutter.mastodon.api import MastodonRoute
from shutter.oauth.service import TOKEN_PREFIX

_OAUTH_BEARER = b"bearer " + TOKEN_PREFIX.encode()


def carries_oauth_token(scope: Scope) -> bool:
    """The request's Authorization header holds an OAuth access token (not a native JWT)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return bool(value[: len(_OAUTH_BEARER)].lower() == _OAUTH_BEARER)
    return False


class SharedPathRoute(MastodonRoute):
    """A Mastodon route on a path Shutter's own API also serves: it matches only requests
    with an OAuth token, leaving every other request to Shutter's route."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not carries_oauth_token(scope):
            return Match.NONE, {}
        return super().matches(scope)


def shared_path_router() -> APIRouter:
    """A router of `SharedPathRoute`s (include it before Shutter's own routes)."""
    return APIRouter(tags=["mastodon"], route_class=SharedPathRoute, include_in_schema=False)
