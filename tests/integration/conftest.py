"""Fixtures shared by the integration tests (the profile fixtures live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

import tests.conftest
from shutter.auth import passwords
from shutter.settings import Settings
from tests import contract


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for every integration test: most register a few accounts,
    and the production parameters cost about 0.15 s of CPU a hash (some 450 call sites
    of `register` here, run twice, once per profile).

    The server runs in the test's process, so this reaches it. Hashes stay real argon2id
    (verification reads the parameters from the hash), they are only cheaper to make.
    Tests of the hashing's own costs put their own stand-in in (test_password_checks.py,
    test_sessions.py); the `shutter serve` processes of tests/e2e and tests/interop keep
    the production parameters.
    """
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(autouse=True)
def response_contract(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[contract.ContractCheck]]:
    """Every 2xx JSON body the servers of an integration test answer with is checked
    against its route's documented `response_model` (tests/contract.py); the test fails
    at teardown with the bodies that break it."""
    checks: list[contract.ContractCheck] = []
    create_app = tests.conftest.create_app

    def checked_app(settings: Settings, *args: Any, **kwargs: Any) -> Any:
        app = create_app(settings, *args, **kwargs)
        checks.append(contract.install(app))
        return app

    monkeypatch.setattr(tests.conftest, "create_app", checked_app)
    yield checks
    violations = [problem for check in checks for problem in check.violations]
    assert not violations, "responses break their documented contract:\n" + "\n\n".join(violations)
