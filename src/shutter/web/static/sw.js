// Shutter's service worker (served at /sw.js so that it controls every page).
// - The app shell (the page and this release's files) is cached when the worker installs,
//   so the app opens offline. Files under /static/v-<hash>/ never change: cache first.
// - Pages: the network first, the cached shell when offline (fetched without cookies:
//   never a signed-in home page, which carries its reader's feed).
// - The first page of the home feed: the network first, the last copy when offline (kept
//   per account: the cache key carries a hash of the access token).
// - A new release is a new worker (this file names the version); it waits until the page
//   says "reload" (the page offers it), then takes over, so no tab is stranded mid-way.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const SHELL_CACHE = `shutter-shell-${VERSION}`;
const DATA_CACHE = "shutter-data";

self.addEventListener("install", (event) => {
  // The page without cookies: the signed-in home page carries its reader's feed (the
  // page cookie, web/api.py), which no cache may keep.
  const page = new Request("/", { credentials: "omit" });
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll([page, ...SHELL])));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shutter-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

const TEXTS_CACHE = "shutter-texts";
const TEXTS_KEY = "/__push-texts";

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  else if (event.data && event.data.type === "push-texts") {
    // The page's catalogue entries for push notifications, in the reader's language.
    const stored = new Response(JSON.stringify({ language: event.data.language, texts: event.data.texts }), { headers: { "Content-Type": "application/json" } });
    event.waitUntil(caches.open(TEXTS_CACHE).then((cache) => cache.put(TEXTS_KEY, stored)));
  }
});

async function feedKey(request) {
  const auth = request.headers.get("Authorization") || "";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(auth));
  const tag = [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const url = new URL(request.url);
  url.searchParams.set("_account", tag);
  return url.toString();
}

async function networkFirstFeed(request) {
  const key = await feedKey(request);
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(key);
    if (!cached) throw err;
    const headers = new Headers(cached.headers);
    headers.set("X-Shutter-Offline", "1");
    return new Response(cached.body, { status: cached.status, headers });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match("/", { cacheName: SHELL_CACHE }).then((r) => r || Response.error())),
    );
  } else if (url.pathname.startsWith("/static/v-")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (url.pathname === "/api/v1/feed" && !url.searchParams.get("cursor")) {
    event.respondWith(networkFirstFeed(request));
  }
});

/** A message of the stored entries (js/pushtext.js), with `{name}` filled and a plural's
 * form chosen by `params.n`; null when the page has not handed any over yet. */
function sayer(stored) {
  if (!stored || !stored.texts) return () => null;
  const { language, texts } = stored;
  const fill = (text, params) => text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
  return (key, params = {}) => {
    const entry = texts[key];
    if (entry == null) return null;
    if (typeof entry !== "object") return fill(entry, params);
    const n = params.n ?? 0;
    const form = new Intl.PluralRules(language).select(n);
    return fill(entry[form] ?? entry.other, { ...params, n: new Intl.NumberFormat(language).format(n) });
  };
}

/** A push's sentence in the reader's language, from its facts (the server's PushPayload);
 * the server's English sentence when the words or the facts are missing. */
function pushBody(data, say) {
  if (data.kind === "message" && data.sender) {
    return data.text ? say("pushtext.messageWithText", { name: data.sender, text: data.text }) : say("pushtext.newMessage", { name: data.sender });
  }
  const actors = Array.isArray(data.actors) ? data.actors : [];
  if (!actors.length) return null;
  const [a, b] = actors;
  const total = Math.max(data.actor_count || 0, b ? 2 : 1);
  const rest = total - (b ? 2 : 1);
  const others = rest > 0 ? say("count.others", { n: rest }) : null;
  const who = b ? (others ? say("notif.whoTwoAndOthers", { a, b, others }) : say("notif.whoTwo", { a, b })) : others ? say("notif.whoOneAndOthers", { a, others }) : a;
  const sentence = say(data.kind === "mention" && !data.comment ? "pushtext.mentionInPost" : `notif.${data.kind}`, { who, n: total });
  return sentence && data.comment ? `${sentence} ${data.comment}` : sentence;
}

async function storedTexts() {
  try {
    const hit = await caches.match(TEXTS_KEY, { cacheName: TEXTS_CACHE });
    return hit ? await hit.json() : null;
  } catch {
    return null;
  }
}

// Web Push (js/views/push.js subscribes): show what arrives, open its page on a click.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(
    storedTexts().then((stored) => {
      const say = sayer(stored);
      return self.registration.showNotification(data.title || "Shutter", {
        body: pushBody(data, say) || data.body || say("pushtext.fallback") || "You have a new notification.",
        tag: data.id ? `notification-${data.id}` : undefined,
        icon: "/static/icons/icon-192.png",
        lang: stored && stored.language ? stored.language : undefined,
        data: { url: data.url || "/notifications" },
      });
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/notifications", self.location.origin);
  if (target.origin !== self.location.origin) return; // only pages of this site
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === target.origin && "focus" in w);
      if (open) return open.navigate(target.href).then((w) => (w || open).focus());
      return self.clients.openWindow(target.href);
    }),
  );
});
