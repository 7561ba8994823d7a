"""Password checks under a burst, on both profiles: a bounded number verified at once (the
excess answered 503 busy with Retry-After) while signed-in reads still answer and no
database connection is held while hashing; a pool that stays exhausted answers 503, not
500; and a concurrent burst of guesses gets no more verifications than the login budget
(memory limiter embedded, Redis limiter distributed)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from argon2.exceptions import VerifyMismatchError

from shutter.auth import passwords
from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import Account, register

GATE_TIMEOUT_S = 20.0


class GatedHasher:
    """A stand-in for argon2 whose verifications wait for the test to open the gate, and
    that counts how many were started."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return f"fake${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.started += 1
        self.gate.wait(GATE_TIMEOUT_S)
        if password_hash != f"fake${password}":
            raise VerifyMismatchError
        return True


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedHasher]:
    gated = GatedHasher()
    monkeypatch.setattr(passwords, "_hasher", gated)
    yield gated
    gated.gate.set()  # never leave a thread waiting


async def _started(hasher: GatedHasher, count: int) -> None:
    async def reached() -> bool:
        return hasher.started >= count

    await eventually(reached, timeout_s=10, every_s=0.01)


async def _done(tasks: list[asyncio.Task[httpx.Response]], count: int) -> None:
    async def reached() -> bool:
        return sum(task.done() for task in tasks) >= count

    await eventually(reached, timeout_s=10, every_s=0.01)


async def _alice(client: httpx.AsyncClient, hasher: GatedHasher) -> Account:
    hasher.gate.set()  # registration and its first login pass freely
    account = await register(client, "alice", "the right password")
    hasher.gate.clear()
    hasher.started = 0
    return account


@pytest.mark.parametrize(
    "settings_overrides",
    [{"password_checks_max_concurrent": 2, "password_check_wait_seconds": 0.2}],
)
async def test_a_login_burst_is_bounded_and_signed_in_reads_still_answer(
    client: httpx.AsyncClient, server: RunningServer, hasher: GatedHasher
) -> None:
    alice = await _alice(client, hasher)
    burst = [
        asyncio.create_task(
            client.post("/auth/login", json={"login": f"nobody{i}", "password": "guess"})
        )
        for i in range(6)
    ]
    # Unknown names cost a verification too (against a dummy hash): two run, four wait
    # briefly for a slot and are refused.
    await _started(hasher, 2)
    await _done(burst, 4)
    refused = [task.result() for task in burst if task.done()]
    for response in refused:
        assert_error(response, 503, "busy")
        assert int(response.headers["Retry-After"]) >= 1
    # While two verifications are running, no database connection is held for them, and
    # a signed-in user is served.
    assert server.context.db.engine.pool.checkedout() == 0
    me = await client.get(f"/users/{alice.id}", headers=alice.headers)
    assert me.status_code == 200, me.text
    hasher.gate.set()
    for response in await asyncio.gather(*burst):
        assert response.status_code in (401, 503), response.text
    assert sum(r.status_code == 401 for r in await asyncio.gather(*burst)) == 2
    assert hasher.started == 2


@pytest.mark.parametrize("settings_overrides", [{"database_pool_timeout_seconds": 0.2}])
async def test_an_exhausted_database_pool_answers_503_at_once(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    alice = await register(client)
    engine = server.context.db.engine
    held: list[Any] = []
    try:
        for _ in range(100):  # take every connection the pool will give
            try:
                held.append(await engine.connect())
            except PoolTimeout:
                break
        else:
            pytest.fail("the pool never ran out")
        response = await client.get(f"/users/{alice.id}")
        error = assert_error(response, 503, "busy")
        assert int(response.headers["Retry-After"]) >= 1, error
    finally:
        for conn in held:
            await conn.close()
    assert (await client.get(f"/users/{alice.id}")).status_code == 200


GUESSES = 40
BUDGET = 10
LIMITED = {
    "rate_limits": "on",
    "rate_limit_login": f"{BUDGET}/minute",
    "password_checks_max_concurrent": 64,
    "password_check_wait_seconds": 10,
}


@pytest.mark.parametrize("settings_overrides", [LIMITED])
@pytest.mark.parametrize("route", ["login", "password"])
async def test_concurrent_guesses_get_no_more_verifications_than_the_budget(
    client: httpx.AsyncClient, hasher: GatedHasher, route: str
) -> None:
    alice = await _alice(client, hasher)

    def guess(password: str) -> Any:
        if route == "login":
            return client.post("/auth/login", json={"login": "alice", "password": password})
        body = {"current_password": password, "new_password": "a new password 1"}
        return client.post("/auth/password", json=body, headers=alice.headers)

    burst = [asyncio.create_task(guess(f"wrong {i}")) for i in range(GUESSES - 1)]
    # The budget's worth of guesses are being verified; every other one is refused at once.
    await _started(hasher, BUDGET)
    await _done(burst, GUESSES - 1 - BUDGET)
    # The right password, sent while the budget is spent, is refused without a check.
    right = await guess("the right password")
    assert_error(right, 429, "rate_limited")
    hasher.gate.set()
    statuses = [response.status_code for response in await asyncio.gather(*burst)]
    assert statuses.count(429) == GUESSES - 1 - BUDGET, statuses
    assert statuses.count(401 if route == "login" else 403) == BUDGET, statuses
    assert hasher.started == BUDGET
    assert_error(await guess("the right password"), 429, "rate_limited")


@pytest.mark.parametrize("settings_overrides", [{**LIMITED, "rate_limit_login": "2/minute"}])
async def test_right_passwords_give_their_attempt_back(
    client: httpx.AsyncClient, hasher: GatedHasher
) -> None:
    await _alice(client, hasher)
    hasher.gate.set()
    good = {"login": "alice", "password": "the right password"}
    bad = {"login": "alice", "password": "wrong"}
    for _ in range(5):  # more than the budget: successes cost nothing
        assert (await client.post("/auth/login", json=good)).status_code == 200
    for _ in range(2):
        assert_error(await client.post("/auth/login", json=bad), 401, "invalid_credentials")
    assert_error(await client.post("/auth/login", json=good), 429, "rate_limited")
