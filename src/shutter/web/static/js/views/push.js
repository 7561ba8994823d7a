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

// The kinds a person may switch off (stored on the server, for every browser of theirs).
const KINDS = ["like", "comment", "reply", "comment_like", "mention", "follow", "follow_request", "follow_accepted", "post", "story", "message"];

/** "What to push": a checkbox per kind and one for message text (GET/PUT /push/preferences). */
function preferencesForm() {
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  const boxes = Object.fromEntries(KINDS.map((kind) => [kind, h("input", { type: "checkbox", id: `push-kind-${kind}`, name: kind, disabled: true })]));
  const text = h("input", { type: "checkbox", id: "push-message-text", disabled: true });
  const all = [...Object.values(boxes), text];
  const save = async () => {
    all.forEach((box) => (box.disabled = true));
    const body = { muted_kinds: KINDS.filter((kind) => !boxes[kind].checked), message_text: text.checked };
    try {
      await request("PUT", "/push/preferences", { body });
      status.textContent = t("push.saved");
    } catch (err) {
      status.textContent = err.message || t("push.failed");
    } finally {
      all.forEach((box) => (box.disabled = false));
    }
  };
  all.forEach((box) => box.addEventListener("change", save));
  request("GET", "/push/preferences")
    .then((prefs) => {
      KINDS.forEach((kind) => (boxes[kind].checked = !prefs.muted_kinds.includes(kind)));
      text.checked = !!prefs.message_text;
      all.forEach((box) => (box.disabled = false));
    })
    .catch((err) => (status.textContent = err.message || t("push.failed")));
  return h(
    "fieldset",
    { class: "push-kinds" },
    h("legend", {}, t("push.kinds")),
    ...KINDS.map((kind) => h("label", { class: "check", for: `push-kind-${kind}` }, boxes[kind], h("span", {}, t(`push.kind.${kind}`)))),
    h("label", { class: "check", for: "push-message-text" }, text, h("span", {}, t("push.messageText"))),
    status,
  );
}

/** The settings card; says so when this browser cannot receive push. */
export function pushSettings() {
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  const card = h("div", { class: "card settings push-settings" }, h("h2", {}, t("settings.notifications")));
  if (!pushSupported()) {
    status.textContent = t("push.unsupported");
    card.append(status, preferencesForm());
    return card;
  }
  const toggle = h("input", { type: "checkbox", id: "push-toggle", role: "switch", disabled: true });
  card.append(
    h("label", { class: "switch", for: "push-toggle" }, toggle, h("span", {}, t("push.toggle")), h("span", { class: "muted small" }, t("push.hint"))),
    status,
    preferencesForm(),
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
