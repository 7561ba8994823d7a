"""The Web Push primitives: what `encrypt` sends, a browser can read; the VAPID key is
generated once into the data dir and read back unchanged."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from shutter.push.webpush import decrypt, encrypt, load_or_create, public_point


def test_a_payload_round_trips_and_each_message_is_encrypted_afresh() -> None:
    browser = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    payload = b'{"body": "ann liked your post."}'
    first = encrypt(payload, public_point(browser.public_key()), auth)
    second = encrypt(payload, public_point(browser.public_key()), auth)
    assert first != second  # a new salt and ephemeral key every time
    assert decrypt(first, browser, auth) == payload
    assert decrypt(second, browser, auth) == payload


def test_the_vapid_key_is_generated_once_private_to_the_owner(tmp_path: Path) -> None:
    keys = load_or_create(None, tmp_path)
    path = tmp_path / "vapid_private_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create(None, tmp_path).public_b64 == keys.public_b64
    configured = load_or_create(keys.private_b64(), tmp_path / "elsewhere")
    assert configured.public_b64 == keys.public_b64
    assert not (tmp_path / "elsewhere").exists()
