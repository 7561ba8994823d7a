"""The Web Push primitives: what `encrypt` sends, a browser can read; the VAPID key is
generated once into the data dir and read back unchanged; endpoints on internal addresses
are refused."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shutter.errors import InvalidInput
from shutter.push import endpoints
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


async def test_endpoints_on_internal_addresses_are_refused_unless_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved = {"push.example.net": ["142.250.1.1"], "intranet.example.net": ["10.0.0.8"]}

    async def fake_addresses(host: str) -> list[endpoints.IPAddress]:
        if host in resolved:
            return [ipaddress.ip_address(a) for a in resolved[host]]
        return await real_addresses(host)

    real_addresses = endpoints._addresses
    monkeypatch.setattr(endpoints, "_addresses", fake_addresses)
    strict = endpoints.EndpointPolicy()
    await endpoints.check_endpoint("https://push.example.net/send/abc", strict)
    await endpoints.check_endpoint("https://[2001:4860:4860::8888]/x", strict)
    for bad in (
        "https://intranet.example.net/x",  # a name for a private address
        "https://10.0.0.8/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://[::1]/x",
        "https://224.0.0.1/x",
        "http://push.example.net/x",  # not https
    ):
        with pytest.raises(InvalidInput):
            await endpoints.check_endpoint(bad, strict)
    # An operator with a push service on their own network may allow private addresses;
    # loopback (and plain http) stays the tests' own switch.
    private_ok = endpoints.EndpointPolicy(allow_private=True)
    await endpoints.check_endpoint("https://intranet.example.net/x", private_ok)
    assert not await endpoints.endpoint_allowed("http://intranet.example.net/x", private_ok)
    assert not await endpoints.endpoint_allowed("http://127.0.0.1:9/x", private_ok)
    loopback_ok = endpoints.EndpointPolicy(allow_loopback=True)
    assert await endpoints.endpoint_allowed("http://127.0.0.1:9/x", loopback_ok)
    assert not await endpoints.endpoint_allowed("https://10.0.0.8/x", loopback_ok)
    # Checked again before sending: a name that now points inside is not requested.
    resolved["push.example.net"] = ["192.168.1.20"]
    assert not await endpoints.endpoint_allowed("https://push.example.net/send/abc", strict)
