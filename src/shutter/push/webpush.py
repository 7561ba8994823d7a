"""The Web Push wire format, on `cryptography` alone.

- RFC 8291: the payload is encrypted for one subscription (`aes128gcm`, RFC 8188) with an
  ephemeral P-256 key, the subscription's `p256dh` public key and its `auth` secret.
- RFC 8292: the request carries a VAPID JWT (ES256) signed with the server's key, whose
  public half the browser was given when it subscribed (`applicationServerKey`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECORD_SIZE = 4096
P256_POINT = 65  # an uncompressed point: 0x04 || X || Y
AUTH_SECRET = 16
JWT_LIFETIME_S = 12 * 3600  # RFC 8292 allows up to 24 hours


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def load_public_point(point: bytes) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of an uncompressed point; ValueError when it is not one."""
    if len(point) != P256_POINT or point[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _keys(
    ecdh_secret: bytes, auth: bytes, ua_public: bytes, as_public: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    """RFC 8291 section 3.4 then RFC 8188 section 2.2: the content key and the nonce."""
    prk_key = _hmac(auth, ecdh_secret)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    return cek, nonce


def encrypt(payload: bytes, p256dh: bytes, auth: bytes) -> bytes:
    """One `aes128gcm` record for the subscription (payloads stay under 4 KiB)."""
    if len(payload) > RECORD_SIZE - 17 - 86:
        raise ValueError("payload too large for one push message")
    ua_public = load_public_point(p256dh)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    as_public = public_point(ephemeral.public_key())
    salt = os.urandom(16)
    cek, nonce = _keys(ephemeral.exchange(ec.ECDH(), ua_public), auth, p256dh, as_public, salt)
    ciphertext = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)  # \x02: the last record
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + ciphertext


def decrypt(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """What a browser does with `encrypt`'s output (the tests use it as the push service's
    subscriber)."""
    salt, id_length = body[:16], body[20]
    as_public = body[21 : 21 + id_length]
    ua_public = public_point(private_key.public_key())
    secret = private_key.exchange(ec.ECDH(), load_public_point(as_public))
    cek, nonce = _keys(secret, auth, ua_public, as_public, salt)
    padded = AESGCM(cek).decrypt(nonce, body[21 + id_length :], None)
    return padded.rstrip(b"\x00")[:-1]  # strip the padding and the delimiter


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """The server's application key pair (RFC 8292)."""

    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def from_private(cls, value: str) -> VapidKeys:
        """From the base64url of the raw 32-byte private scalar (what `web-push
        generate-vapid-keys` and Shutter's own key file hold)."""
        raw = b64url_decode(value.strip())
        if len(raw) != 32:
            raise ValueError("a VAPID private key is 32 bytes, base64url-encoded")
        return cls(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))

    @classmethod
    def generate(cls) -> VapidKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    def private_b64(self) -> str:
        return b64url(self.private_key.private_numbers().private_value.to_bytes(32, "big"))

    @property
    def public_b64(self) -> str:
        """The `applicationServerKey` a browser subscribes with."""
        return b64url(public_point(self.private_key.public_key()))

    def authorization(self, endpoint: str, subject: str, now: float | None = None) -> str:
        """The `Authorization: vapid t=…, k=…` header for a request to the endpoint."""
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int((now or time.time()) + JWT_LIFETIME_S),
            "sub": subject,
        }
        token = jwt.encode(claims, self.private_key, algorithm="ES256")
        return f"vapid t={token}, k={self.public_b64}"


def load_or_create(configured: str | None, data_dir: Path) -> VapidKeys:
    """The configured key, else the one generated once into `<data dir>/vapid_private_key`
    (mode 0600)."""
    if configured:
        return VapidKeys.from_private(configured)
    path = data_dir / "vapid_private_key"
    if path.exists():
        return VapidKeys.from_private(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = VapidKeys.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(keys.private_b64())
    return keys
