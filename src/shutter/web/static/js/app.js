// The shell: client-side routes, the navigation bar with its badges, and the real-time
// socket. Each screen lives in views/ and returns a DOM node.

import * as api from "./api.js";
import { auth } from "./api.js";
import { avatar, clear, errorBox, h, icon, spinner } from "./dom.js";
import { t } from "./i18n.js";
import { sendPushTexts } from "./pushtext.js";

// Not needed to draw the first screen, so not among the modules a page load waits for
// (each is one more request on a slow network): loaded once the first screen is up.
const pwa = () => import("./pwa.js");
const realtime = () => import("./realtime.js");
const forgetOfflineData = () => pwa().then((m) => m.forgetOfflineData()).catch(() => {});
const stopRealtime = () => realtime().then((m) => m.stop()).catch(() => {});

// Each screen's module is loaded when its route first opens (a first visit downloads the
// shell and the screen it lands on, not every screen); the server preloads the one a page
// load lands on, and the likely next ones are fetched once the first screen is up.
const loaded = new Map();
const load = (name) => {
  if (!loaded.has(name)) {
    const module = import(`./views/${name}.js`);
    module.catch(() => loaded.delete(name)); // offline or a blip: asked again next time
    loaded.set(name, module);
  }
  return loaded.get(name);
};
const screen = (name, view) => async (ctx) => (await load(name))[view](ctx);
const LIKELY_NEXT = ["post", "profile", "notifications", "messages", "search", "composer"];
let prefetched = false;
function prefetchLikelyScreens() {
  if (prefetched || !auth.token) return;
  prefetched = true;
  const start = () => LIKELY_NEXT.forEach((name) => load(name).catch(() => {}));
  if ("requestIdleCallback" in window) requestIdleCallback(start, { timeout: 5000 });
  else setTimeout(start, 1000);
}
const isModerator = () => !!auth.me && ["moderator", "admin"].includes(auth.me.role);

// [pattern, view, needs a signed-in user]
const ROUTES = [
  [/^\/$/, screen("feed", "feedView"), true],
  [/^\/login$/, screen("auth", "loginView"), false],
  [/^\/signup$/, screen("auth", "signupView"), false],
  [/^\/new$/, screen("composer", "composerView"), true],
  [/^\/explore$/, screen("search", "exploreView"), false],
  [/^\/reels$/, screen("reels", "reelsView"), true],
  [/^\/explore\/locations\/nearby$/, screen("places", "nearbyView"), false],
  [/^\/explore\/locations\/(?<locationId>\d+)$/, screen("places", "placeView"), false],
  [/^\/search$/, screen("search", "searchView"), false],
  [/^\/notifications$/, screen("notifications", "notificationsView"), true],
  [/^\/direct$/, screen("messages", "inboxView"), true],
  [/^\/direct\/new$/, screen("messages", "newGroupView"), true],
  [/^\/direct\/with\/(?<username>[^/]+)$/, screen("messages", "conversationView"), true],
  [/^\/direct\/(?<conversationId>\d+)$/, screen("messages", "conversationView"), true],
  [/^\/requests$/, screen("profile", "requestsView"), true],
  [/^\/saved$/, screen("saved", "savedView"), true],
  [/^\/saved\/(?<collectionId>\d+)$/, screen("saved", "collectionView"), true],
  [/^\/settings$/, screen("profile", "settingsView"), true],
  [/^\/settings\/security$/, screen("settings", "securityView"), true],
  [/^\/settings\/muted$/, screen("quiet", "mutedView"), true],
  [/^\/settings\/apps$/, screen("apps", "appsView"), true],
  [/^\/settings\/hashtags$/, screen("hashtags", "followedHashtagsView"), true],
  [/^\/settings\/comments$/, screen("quiet", "commentFiltersView"), true],
  [/^\/settings\/close-friends$/, screen("quiet", "closeFriendsView"), true],
  [/^\/forgot-password$/, screen("recover", "forgotPasswordView"), false],
  [/^\/reset-password$/, screen("recover", "resetPasswordView"), false],
  [/^\/verify-email$/, screen("recover", "verifyEmailView"), false],
  [/^\/settings\/data$/, screen("data", "dataView"), true],
  [/^\/settings\/restore$/, screen("data", "restoreView"), false],
  [/^\/p\/(?<postId>\d+)$/, screen("post", "postView"), false],
  [/^\/u\/(?<username>[^/]+)(?:\/(?<list>followers|following))?$/, screen("profile", "profileView"), false],
  [/^\/tags\/(?<tag>[^/]+)$/, screen("search", "hashtagView"), false],
  [/^\/stories\/(?<userId>\d+)$/, screen("stories", "storyViewerView"), true],
  [/^\/stories\/highlights\/(?<highlightId>\d+)$/, screen("stories", "storyViewerView"), true],
  [/^\/stories\/archive$/, screen("highlights", "archiveView"), true],
  [/^\/archive$/, screen("archived", "archivedPostsView"), true],
  [/^\/admin$/, screen("admin", "adminView"), true],
  [/^\/suspended$/, screen("admin", "suspendedView"), false],
];

const main = () => document.getElementById("main");
let leaveHandlers = [];
let renderToken = 0;

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

function leave() {
  for (const fn of leaveHandlers) {
    try {
      fn();
    } catch (e) {
      console.error(e);
    }
  }
  leaveHandlers = [];
}

async function render() {
  const token = ++renderToken;
  leave();
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const match = ROUTES.map(([re, view, needsAuth]) => [path.match(re), view, needsAuth]).find(([m]) => m);
  renderNav();
  const target = main();
  if (!match) {
    clear(target).append(h("div", { class: "empty" }, h("p", { class: "empty-title" }, t("app.notFound")), h("a", { href: "/" }, t("app.goHome"))));
    return;
  }
  const [m, view, needsAuth] = match;
  if (needsAuth && !auth.token) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return;
  }
  const ctx = {
    params: Object.fromEntries(Object.entries(m.groups || {}).map(([k, v]) => [k, v && decodeURIComponent(v)])),
    query: new URLSearchParams(location.search),
    navigate,
    onLeave: (fn) => leaveHandlers.push(fn),
    get current() {
      return token === renderToken;
    },
    refreshBadges,
  };
  // (The boot script's first posts stay up meanwhile: the feed view takes them over.)
  if (!target.querySelector(".boot-feed")) clear(target).append(spinner());
  try {
    const node = await view(ctx);
    if (token !== renderToken) return;
    clear(target).append(node);
    // The "verify your email" banner goes in with the screen (added later, it would push
    // the screen down under the reader's eyes); its module loads only for "resend".
    const unverified = path !== "/verify-email" && auth.me && auth.me.emailVerified === false;
    if (unverified) target.prepend(verifyBanner(auth.me));
  } catch (err) {
    if (token !== renderToken) return;
    console.error(err);
    clear(target).append(h("div", { class: "empty" }, errorBox(err)));
  }
  document.title = target.querySelector("h1") ? `${target.querySelector("h1").textContent} · Shutter` : "Shutter";
  window.scrollTo(0, 0);
  if (document.readyState === "complete") prefetchLikelyScreens();
  else window.addEventListener("load", prefetchLikelyScreens, { once: true });
}

function verifyBanner(me) {
  const resend = h("button", { type: "button", class: "button link small" }, t("recover.resend"));
  resend.addEventListener("click", () => {
    resend.disabled = true;
    load("recover")
      .then((m) => m.resendVerification(resend))
      .catch(() => {
        resend.disabled = false;
      });
  });
  return h("div", { class: "verify-banner notice", role: "status" }, t("recover.banner", { email: me.email }), " ", resend);
}

// ---- navigation bar ----
const badges = { notifications: 0, direct: 0 };

function navItem(href, iconName, label, badge) {
  const active = href === "/" ? location.pathname === "/" : location.pathname.startsWith(href);
  return h(
    "a",
    { href, class: `nav-item${active ? " active" : ""}`, "aria-current": active ? "page" : false, "data-nav": label.toLowerCase() },
    icon(iconName),
    h("span", { class: "nav-label" }, label),
    badge ? h("span", { class: "badge" }, h("span", { "aria-hidden": "true" }, badge > 99 ? "99+" : String(badge)), h("span", { class: "visually-hidden" }, t("nav.unread", { n: badge }))) : null,
  );
}

function decorative(el) {
  el.setAttribute("aria-hidden", "true");
  if (el.tagName === "IMG") el.alt = "";
  return el;
}

function renderNav() {
  const nav = clear(document.getElementById("nav"));
  nav.append(h("a", { href: "/", class: "brand", "aria-label": t("app.brandHome") }, h("span", { class: "brand-mark" }), h("span", { class: "brand-name" }, "Shutter")));
  if (!auth.token) {
    nav.append(h("div", { class: "nav-items" }, navItem("/search", "search", t("nav.search")), navItem("/explore", "explore", t("nav.explore")), navItem("/login", "user", t("nav.login")), navItem("/signup", "plus", t("nav.signup"))));
    return;
  }
  const me = auth.me;
  nav.append(
    h(
      "div",
      { class: "nav-items" },
      navItem("/", "home", t("nav.home")),
      navItem("/search", "search", t("nav.search")),
      navItem("/explore", "explore", t("nav.explore")),
      navItem("/reels", "reels", t("nav.reels")),
      navItem("/new", "plus", t("nav.create")),
      navItem("/direct", "send", t("nav.messages"), badges.direct),
      navItem("/notifications", "bell", t("nav.notifications"), badges.notifications),
      isModerator() ? navItem("/admin", "lock", t("nav.admin")) : null,
      me
        ? h("a", { href: `/u/${me.username}`, class: `nav-item${location.pathname === `/u/${me.username}` ? " active" : ""}`, "aria-current": location.pathname === `/u/${me.username}` ? "page" : false, "data-nav": "profile" }, decorative(avatar(me, 24)), h("span", { class: "nav-label" }, t("nav.profile")))
        : navItem("/settings", "user", t("nav.profile")),
    ),
    h("button", { type: "button", class: "nav-item nav-logout", "data-nav": "logout", onClick: logout }, icon("logout"), h("span", { class: "nav-label" }, t("nav.logout"))),
  );
}

function logout() {
  api.logout();
  forgetOfflineData();
  stopRealtime();
  badges.notifications = 0;
  badges.direct = 0;
  navigate("/login");
}

let badgeTimer = null;
const missing = new Set(); // badge sources this server does not offer: not asked again
const ask = (name, call) => (missing.has(name) ? Promise.reject(new Error("unavailable")) : call().catch((err) => {
  if (err.unavailable) missing.add(name);
  throw err;
}));
// One asking at a time, and one more after it when asked again meanwhile: an answer the
// server gave before a "mark read" never paints over the one it gave after.
let badgesAsking = null;
let badgesAgain = false;
function refreshBadges() {
  if (badgesAsking) {
    badgesAgain = true;
    return badgesAsking;
  }
  badgesAsking = askBadges().finally(() => {
    badgesAsking = null;
    if (badgesAgain) {
      badgesAgain = false;
      refreshBadges();
    }
  });
  return badgesAsking;
}
async function askBadges() {
  if (!auth.token) return;
  const [notes, convs] = await Promise.allSettled([ask("notifications", api.notifications), ask("conversations", api.unreadConversations)]);
  if (notes.status === "fulfilled") {
    const n = notes.value;
    badges.notifications = n.unread ?? n.items.filter((x) => !x.read).length;
  }
  if (convs.status === "fulfilled") badges.direct = convs.value.unread;
  renderNav();
}

async function loadSession() {
  if (!auth.token) return;
  try {
    await api.loadMe();
  } catch (err) {
    if (err.status !== 401) console.error(err);
  }
}

/** The live parts of a session: the socket and the unread badges. */
function goLive() {
  if (!auth.token) return;
  realtime()
    .then((m) => m.start())
    .catch(() => {});
  refreshBadges();
  clearInterval(badgeTimer);
  badgeTimer = setInterval(refreshBadges, 30000);
}

export async function startSession() {
  await loadSession();
  goLive();
}

// Same-origin links route in the page, without a reload.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  if (a.getAttribute("href").startsWith("#")) {
    // In-page (the skip link): move the focus there, without a history entry or a re-render.
    const target = document.getElementById(a.getAttribute("href").slice(1));
    if (target) {
      e.preventDefault();
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.scrollIntoView({ block: "start" });
    }
    return;
  }
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/media/") || url.pathname.startsWith("/docs")) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", render);
window.addEventListener("shutter:event", (e) => {
  const type = e.detail && e.detail.type;
  if (type === "notification" && typeof e.detail.unread_count === "number") {
    badges.notifications = e.detail.unread_count;
    renderNav();
  } else if (type === "message" || type === "read") {
    refreshBadges();
  }
});
// Each hello of the socket: what came while it was not listening (between the badges'
// first answer and the socket's start, or while it was down) is counted now.
window.addEventListener("shutter:socket", (e) => e.detail.connected && refreshBadges());
// A suspended account (login answered 403 account_suspended): a clear page, not a broken app.
window.addEventListener("shutter:suspended", (e) => {
  const until = (e.detail || []).map((d) => d.suspended_until).find(Boolean);
  stopRealtime();
  navigate(`/suspended${until ? `?until=${encodeURIComponent(until)}` : ""}`, { replace: true });
});
auth.onLoggedOut = () => {
  forgetOfflineData();
  stopRealtime();
  navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
};

// Exposed for the views that sign in (they start the session then navigate).
window.shutter = { navigate, startSession, logout };

// On the home page the feed is asked for at once, in parallel with the session (the
// page's boot script has usually asked already: api.js takes that request).
if (auth.token && location.pathname === "/") {
  const mode = new URLSearchParams(location.search).get("mode") || localStorage.getItem("shutter.feedMode");
  api.prefetchFeed(mode === "ranked" ? "ranked" : "chronological");
}
// The first screen waits for the whole stylesheet (the boot script asked for it; the
// page's inline rules only cover the shell), then the socket, the badges and the
// service worker start.
Promise.all([loadSession(), (window.shutterBoot || {}).css])
  .then(render)
  .finally(() => {
    goLive();
    pwa()
      .then((m) => m.startPwa())
      .catch(() => {});
    sendPushTexts();
  });
