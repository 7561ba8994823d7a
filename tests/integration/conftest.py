"""Fixtures shared by the integration tests (the profile fixtures live in tests/conftest.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shutter.auth import passwords


@pytest.fixture
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters, for tests that register dozens of accounts.

    The server runs in the test's process, so this reaches it. Hashes stay real argon2id
    (verification reads the parameters from the hash), they are only cheaper to make.
    """
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
