"""Access tokens: what one issues, the other accepts; anything altered or stale is refused."""

from __future__ import annotations

import base64
import json
import time
from types import SimpleNamespace

import jwt
import pytest

from shutter.auth import tokens
from shutter.auth.tokens import TokenClaims, TokenIssuer
from shutter.errors import Unauthenticated

KEY = "unit-test-signing-key-long-enough-for-hs256-and-hs512-0123456789"


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_round_trips_its_claims() -> None:
    issuer = TokenIssuer(KEY, ttl_seconds=3600)

    token = issuer.issue(382_628_919_106_760_704, 3)

    assert issuer.verify(token) == TokenClaims(user_id=382_628_919_106_760_704, token_version=3)
    claims = jwt.decode(token, KEY, algorithms=["HS256"])
    assert claims["sub"] == "382628919106760704"  # a string: JSON numbers lose precision
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 5


def test_a_token_verifies_in_another_process_with_the_same_key() -> None:
    token = TokenIssuer(KEY, 60).issue(7, 0)

    assert TokenIssuer(KEY, 9999).verify(token).user_id == 7


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = TokenIssuer("another-key-another-key-another-key-123", 60).issue(7, 0)

    with pytest.raises(Unauthenticated) as raised:
        TokenIssuer(KEY, 60).verify(token)
    assert raised.value.status == 401


def test_a_tampered_token_is_refused() -> None:
    issuer = TokenIssuer(KEY, 3600)
    header, payload, signature = issuer.issue(7, 0).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    someone_else = b64({**claims, "sub": "8"})
    older_version = b64({**claims, "ver": -1})
    longer_life = b64({**claims, "exp": claims["exp"] + 10**6})

    for forged in (
        f"{header}.{someone_else}.{signature}",
        f"{header}.{older_version}.{signature}",
        f"{header}.{longer_life}.{signature}",
        f"{header}.{payload}.{signature[:-4]}AAAA",
        f"{header}.{payload}.",
        f"{header}.{payload}",
        "",
        "not.a.token",
    ):
        with pytest.raises(Unauthenticated):
            issuer.verify(forged)


def test_an_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = TokenIssuer(KEY, ttl_seconds=60)
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: an_hour_ago))
    stale = issuer.issue(7, 0)
    monkeypatch.undo()

    with pytest.raises(Unauthenticated, match="expired"):
        issuer.verify(stale)
    assert issuer.verify(issuer.issue(7, 0)).user_id == 7


def test_a_token_verified_earlier_is_still_refused_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issuer = TokenIssuer(KEY, ttl_seconds=60)
    token = issuer.issue(7, 0)
    assert issuer.verify(token).user_id == 7  # now remembered as verified

    in_two_minutes = time.time() + 120
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: in_two_minutes))
    # PyJWT reads the clock itself: the remembered expiry must refuse it, not the decode.
    monkeypatch.setattr(tokens.jwt, "decode", _expired_decode)

    with pytest.raises(Unauthenticated, match="expired"):
        issuer.verify(token)


def _expired_decode(*_args: object, **_kwargs: object) -> dict[str, object]:
    raise jwt.ExpiredSignatureError("Signature has expired")


def test_the_tokens_remembered_as_verified_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_TOKENS_MAX", 3)
    issuer = TokenIssuer(KEY, ttl_seconds=60)
    issued = [issuer.issue(user_id, 0) for user_id in range(1, 6)]

    assert [issuer.verify(token).user_id for token in issued] == [1, 2, 3, 4, 5]

    assert len(issuer._verified) == 3  # the two oldest went first
    assert list(issuer._verified) == issued[2:]


def test_a_forged_token_is_never_remembered() -> None:
    issuer = TokenIssuer(KEY, ttl_seconds=60)
    forged = TokenIssuer("another-" + KEY, 60).issue(7, 0)

    for _ in range(2):
        with pytest.raises(Unauthenticated):
            issuer.verify(forged)
    assert issuer._verified == {}


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "7", "ver": 0},  # never expires
        {"exp": 2**40, "ver": 0},  # nobody
        {"sub": "seven", "exp": 2**40},
        {"sub": "7", "exp": 2**40, "ver": "zero"},
    ],
    ids=["no-exp", "no-sub", "sub-not-an-id", "version-not-a-number"],
)
def test_a_token_missing_or_mangling_claims_is_refused(claims: dict[str, object]) -> None:
    token = jwt.encode(claims, KEY, algorithm="HS256")

    with pytest.raises(Unauthenticated):
        TokenIssuer(KEY, 60).verify(token)


@pytest.mark.parametrize("algorithm", ["none", "HS512"])
def test_only_the_expected_algorithm_is_accepted(algorithm: str) -> None:
    claims = {"sub": "7", "ver": 0, "exp": int(time.time()) + 60}
    token = jwt.encode(claims, None if algorithm == "none" else KEY, algorithm=algorithm)

    with pytest.raises(Unauthenticated):
        TokenIssuer(KEY, 60).verify(token)
