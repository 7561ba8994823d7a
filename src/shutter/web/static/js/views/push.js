// Settings → "Push notifications": asks the browser for permission, subscribes this
// browser with the server's VAPID key (GET /push/key) and hands the subscription to the
// server (POST /push/subscription); switching it off unsubscribes on both sides. The
// service worker (sw.js) shows what arrives and opens the right page on a click.

import { ApiError, request } from "../api.js";
import { h } from "../dom.js";
import { LANGUAGES, savedLanguage, setLanguage, t } from "../i18n.js";

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
    throw new Error(t("push.blocked"));
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
  const card = h("div", { class: "card settings push-settings" }, h("h2", {}, t("settings.notifications")));
  if (!pushSupported()) {
    status.textContent = t("push.unsupported");
    card.append(status);
    return card;
  }
  const toggle = h("input", { type: "checkbox", id: "push-toggle", role: "switch", disabled: true });
  card.append(
    h("label", { class: "switch", for: "push-toggle" }, toggle, h("span", {}, t("push.toggle")), h("span", { class: "muted small" }, t("push.hint"))),
    status,
  );
  isOn()
    .then((on) => (toggle.checked = on))
    .catch(() => {})
    .finally(() => (toggle.disabled = false));
  toggle.addEventListener("change", async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    status.textContent = wanted ? t("push.turningOn") : t("push.turningOff");
    try {
      if (wanted) await enablePush();
      else await disablePush();
      status.textContent = wanted ? t("push.on") : t("push.off");
    } catch (err) {
      toggle.checked = !wanted;
      status.textContent = err instanceof ApiError && err.code === "push_disabled" ? t("push.disabled") : err.message || t("push.failed");
    } finally {
      toggle.disabled = false;
    }
  });
  return card;
}

/** Settings → Language: the browser's choice, or one picked here (the page reloads in it). */
export function languageSettings() {
  const select = h(
    "select",
    { id: "language", name: "language" },
    h("option", { value: "" }, t("settings.languageAuto")),
    ...Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, lang: code }, name)),
  );
  select.value = savedLanguage();
  select.addEventListener("change", () => {
    setLanguage(select.value);
    location.reload();
  });
  return h("div", { class: "card settings" }, h("div", { class: "field" }, h("label", { for: "language" }, t("settings.language")), select));
}
