// Settings → "Push notifications": asks the browser for permission, subscribes this
// browser with the server's VAPID key (GET /push/key) and hands the subscription to the
// server (POST /push/subscription); switching it off unsubscribes on both sides. The
// service worker (sw.js) shows what arrives and opens the right page on a click.

import { ApiError, request } from "../api.js";
import { h } from "../dom.js";

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function pushManager() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager;
}

/** Subscribe this browser; returns a sentence for the user. */
export async function enablePush() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new Error("Notifications are blocked for this site. Allow them in your browser's settings.");
  }
  const { public_key: key } = await request("GET", "/push/key");
  const manager = await pushManager();
  const subscription =
    (await manager.getSubscription()) ||
    (await manager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  await request("POST", "/push/subscription", { body: subscription.toJSON() });
}

export async function disablePush() {
  const manager = await pushManager();
  const subscription = await manager.getSubscription();
  if (!subscription) return;
  await request("DELETE", "/push/subscription", { body: { endpoint: subscription.endpoint } });
  await subscription.unsubscribe();
}

async function isOn() {
  if (Notification.permission !== "granted") return false;
  return !!(await (await pushManager()).getSubscription());
}

/** The settings card; says so when this browser cannot receive push. */
export function pushSettings() {
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  const card = h("div", { class: "card settings push-settings" }, h("h2", {}, "Notifications"));
  if (!pushSupported()) {
    status.textContent = "This browser cannot receive push notifications.";
    card.append(status);
    return card;
  }
  const toggle = h("input", { type: "checkbox", id: "push-toggle", role: "switch", disabled: true });
  card.append(
    h("label", { class: "switch", for: "push-toggle" }, toggle, h("span", {}, "Push notifications"), h("span", { class: "muted small" }, "Likes, comments, follows and mentions, even when Shutter is closed.")),
    status,
  );
  isOn()
    .then((on) => (toggle.checked = on))
    .catch(() => {})
    .finally(() => (toggle.disabled = false));
  toggle.addEventListener("change", async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    status.textContent = wanted ? "Turning on…" : "Turning off…";
    try {
      if (wanted) await enablePush();
      else await disablePush();
      status.textContent = wanted ? "Push notifications are on for this browser." : "Push notifications are off.";
    } catch (err) {
      toggle.checked = !wanted;
      status.textContent = err instanceof ApiError && err.code === "push_disabled" ? "This server does not send push notifications." : err.message || "That did not work. Try again.";
    } finally {
      toggle.disabled = false;
    }
  });
  return card;
}
