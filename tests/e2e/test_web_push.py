"""Settings → "Push notifications" in a real Chromium against a real `shutter serve`.

Headless Chromium has no push service to subscribe with (`pushManager.subscribe` fails
there), so this test stubs the browser's `pushManager` and `Notification` permission and
checks the client's part: it asks permission, subscribes with the server's VAPID key and
hands the subscription to the server, which keeps it; switching off removes it. The
server's delivery (encryption, VAPID, 410s) is tested in tests/integration/test_web_push.py.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from shutter.push.webpush import b64url, public_point
from tests.e2e.conftest import DESKTOP, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name, _user_id

pytestmark = pytest.mark.xdist_group("browser")

# A push service on the internet by address: the server refuses names that do not
# resolve (none do where the tests run) and internal addresses.
ENDPOINT = "https://1.1.1.1/send/abc123"

STUB = """
(() => {
  const keys = %(keys)s;
  const subscription = (endpoint) => ({
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys }),
    unsubscribe: async () => { localStorage.removeItem("stub-push"); return true; },
  });
  window.pushCalls = [];
  const manager = {
    getSubscription: async () => {
      const endpoint = localStorage.getItem("stub-push");
      return endpoint ? subscription(endpoint) : null;
    },
    subscribe: async (options) => {
      window.pushCalls.push({
        userVisibleOnly: options.userVisibleOnly,
        key: btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey))),
      });
      localStorage.setItem("stub-push", %(endpoint)s);
      return subscription(%(endpoint)s);
    },
  };
  Object.defineProperty(ServiceWorkerRegistration.prototype, "pushManager", {
    get: () => manager, configurable: true,
  });
  Object.defineProperty(Notification, "permission", {
    get: () => localStorage.getItem("stub-permission") || "default", configurable: true,
  });
  Notification.requestPermission = async () => {
    localStorage.setItem("stub-permission", "granted");
    return "granted";
  };
})();
"""


def _stored_endpoints(web: ServeProcess, user_id: str) -> list[str]:
    database = Path(web.env["SHUTTER_DATA_DIR"]) / "shutter.db"
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT endpoint FROM push_subscriptions WHERE user_id = ?", (int(user_id),)
        ).fetchall()
    return [row[0] for row in rows]


def test_the_push_toggle_asks_permission_and_subscribes_this_browser(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    name = _name("pia")
    token = register(name)
    user_id = _user_id(web, name)
    browser_key = ec.generate_private_key(ec.SECP256R1())
    keys = {
        "p256dh": b64url(public_point(browser_key.public_key())),
        "auth": b64url(b"sixteen byte key"),
    }
    page = browsing.page(token=token, viewport=DESKTOP)
    page.add_init_script(STUB % {"keys": json.dumps(keys), "endpoint": json.dumps(ENDPOINT)})
    page.goto("/settings")
    toggle = page.get_by_role("switch", name="Push notifications")
    expect(toggle).to_be_enabled()
    expect(toggle).not_to_be_checked()

    toggle.click()
    expect(page.get_by_role("status").filter(has_text="Push notifications are on")).to_be_visible()
    expect(toggle).to_be_checked()
    server_key = httpx.get(f"{web.base_url}/api/v1/push/key", timeout=30).json()["public_key"]
    (call,) = page.evaluate("window.pushCalls")
    assert call["userVisibleOnly"] is True
    assert base64.b64decode(call["key"]) == base64.urlsafe_b64decode(server_key + "==")
    assert _stored_endpoints(web, user_id) == [ENDPOINT]

    page.reload()  # the toggle shows what this browser is subscribed to
    expect(toggle).to_be_enabled()
    expect(toggle).to_be_checked()
    toggle.click()
    expect(page.get_by_role("status").filter(has_text="Push notifications are off")).to_be_visible()
    expect(toggle).not_to_be_checked()
    assert _stored_endpoints(web, user_id) == []

    # What to push: kinds switched off and message text are kept on the server.
    likes = page.get_by_role("checkbox", name="Likes on your posts")
    words = page.get_by_role("checkbox", name="Show a message's words in its notification")
    expect(likes).to_be_enabled()
    expect(likes).to_be_checked()
    expect(words).not_to_be_checked()
    likes.click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(likes).to_be_enabled()
    words.click()
    expect(words).to_be_enabled()
    prefs = httpx.get(
        f"{web.base_url}/api/v1/push/preferences",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert prefs == {"muted_kinds": ["like"], "message_text": True}
    page.reload()
    expect(likes).to_be_enabled()
    expect(likes).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Direct messages")).to_be_checked()
    expect(words).to_be_checked()
    assert page.console_errors == []


def test_the_language_follows_the_browser_and_settings_override_it(
    browsing: Browsing, register: Callable[[str], str]
) -> None:
    token = register(_name("lucia"))
    page = browsing.page(token=token, viewport=DESKTOP, locale="es-ES")
    page.goto("/")
    expect(page.get_by_role("link", name="Inicio", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "es"
    page.goto("/settings")
    expect(page.get_by_role("switch", name="Notificaciones push")).to_be_visible()
    expect(page.get_by_role("group", name="Qué notificar")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Mensajes directos")).to_be_visible()

    page.get_by_label("Idioma").select_option("en")
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(page.get_by_role("switch", name="Push notifications")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto("/")  # the choice is kept
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/settings")
    page.get_by_label("Language").select_option("")
    expect(page.get_by_role("link", name="Inicio", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert page.console_errors == []
