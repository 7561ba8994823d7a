"""Which TOTP codes match which time step: the current one and one either side (±30 s),
never two steps away."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp

from shutter.accounts.mfa import _matching_step, _normalise


def test_a_code_matches_its_own_step_and_the_neighbours_of_now_only() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(datetime.fromtimestamp(now, UTC))
    assert _matching_step(secret, totp.at(now), now) == step
    assert _matching_step(secret, totp.at(now - 30), now) == step - 1
    assert _matching_step(secret, totp.at(now + 30), now) == step + 1
    for far in (-90, -60, 60, 90):
        code = totp.at(now + far)
        if code not in {totp.at(now + d) for d in (-30, 0, 30)}:  # a 1-in-10^6 collision
            assert _matching_step(secret, code, now) is None


def test_recovery_codes_are_read_as_typed_by_people() -> None:
    assert _normalise(" ABCD1234-ef56 7890 ") == "abcd1234ef567890"
