// The shell: client-side routes, the navigation bar with its badges, and the real-time
// socket. Each screen lives in views/ and returns a DOM node.

import * as api from "./api.js";
import { auth } from "./api.js";
import { avatar, clear, errorBox, h, icon, spinner } from "./dom.js";
import { t } from "./i18n.js";
import { forgetOfflineData, startPwa } from "./pwa.js";
import * as realtime from "./realtime.js";
import { adminView, isModerator, suspendedView } from "./views/admin.js";
import { loginView, signupView } from "./views/auth.js";
import { composerView } from "./views/composer.js";
import { feedView } from "./views/feed.js";
import { dataView, restoreView } from "./views/data.js";
import { conversationView, inboxView, newGroupView } from "./views/messages.js";
import { notificationsView } from "./views/notifications.js";
import { postView } from "./views/post.js";
import { reelsView } from "./views/reels.js";
import { profileView, requestsView, settingsView } from "./views/profile.js";
import { collectionView, savedView } from "./views/saved.js";
import { forgotPasswordView, resetPasswordView, verifyBanner, verifyEmailView } from "./views/recover.js";
import { appsView } from "./views/apps.js";
import { securityView } from "./views/settings.js";
import { exploreView, hashtagView, searchView } from "./views/search.js";
import { nearbyView, placeView } from "./views/places.js";
import { storyViewerView } from "./views/stories.js";
import { archiveView } from "./views/highlights.js";
import { archivedPostsView } from "./views/archived.js";
import { closeFriendsView, commentFiltersView, mutedView } from "./views/quiet.js";
import { followedHashtagsView } from "./views/hashtags.js";

// [pattern, view, needs a signed-in user]
const ROUTES = [
  [/^\/$/, feedView, true],
  [/^\/login$/, loginView, false],
  [/^\/signup$/, signupView, false],
  [/^\/new$/, composerView, true],
  [/^\/explore$/, exploreView, false],
  [/^\/reels$/, reelsView, true],
  [/^\/explore\/locations\/nearby$/, nearbyView, false],
  [/^\/explore\/locations\/(?<locationId>\d+)$/, placeView, false],
  [/^\/search$/, searchView, false],
  [/^\/notifications$/, notificationsView, true],
  [/^\/direct$/, inboxView, true],
  [/^\/direct\/new$/, newGroupView, true],
  [/^\/direct\/with\/(?<username>[^/]+)$/, conversationView, true],
  [/^\/direct\/(?<conversationId>\d+)$/, conversationView, true],
  [/^\/requests$/, requestsView, true],
  [/^\/saved$/, savedView, true],
  [/^\/saved\/(?<collectionId>\d+)$/, collectionView, true],
  [/^\/settings$/, settingsView, true],
  [/^\/settings\/security$/, securityView, true],
  [/^\/settings\/muted$/, mutedView, true],
  [/^\/settings\/apps$/, appsView, true],
  [/^\/settings\/hashtags$/, followedHashtagsView, true],
  [/^\/settings\/comments$/, commentFiltersView, true],
  [/^\/settings\/close-friends$/, closeFriendsView, true],
  [/^\/forgot-password$/, forgotPasswordView, false],
  [/^\/reset-password$/, resetPasswordView, false],
  [/^\/verify-email$/, verifyEmailView, false],
  [/^\/settings\/data$/, dataView, true],
  [/^\/settings\/restore$/, restoreView, false],
  [/^\/p\/(?<postId>\d+)$/, postView, false],
  [/^\/u\/(?<username>[^/]+)(?:\/(?<list>followers|following))?$/, profileView, false],
  [/^\/tags\/(?<tag>[^/]+)$/, hashtagView, false],
  [/^\/stories\/(?<userId>\d+)$/, storyViewerView, true],
  [/^\/stories\/highlights\/(?<highlightId>\d+)$/, storyViewerView, true],
  [/^\/stories\/archive$/, archiveView, true],
  [/^\/archive$/, archivedPostsView, true],
  [/^\/admin$/, adminView, true],
  [/^\/suspended$/, suspendedView, false],
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
    clear(target).append(h("div", { class: "empty" }, h("p", { class: "empty-title" }, "Page not found"), h("a", { href: "/" }, "Go home")));
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
  clear(target).append(spinner());
  try {
    const node = await view(ctx);
    if (token !== renderToken) return;
    clear(target).append(...[path === "/verify-email" ? null : verifyBanner(auth.me), node].filter(Boolean));
  } catch (err) {
    if (token !== renderToken) return;
    console.error(err);
    clear(target).append(h("div", { class: "empty" }, errorBox(err)));
  }
  document.title = target.querySelector("h1") ? `${target.querySelector("h1").textContent} · Shutter` : "Shutter";
  window.scrollTo(0, 0);
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
    badge ? h("span", { class: "badge" }, h("span", { "aria-hidden": "true" }, badge > 99 ? "99+" : String(badge)), h("span", { class: "visually-hidden" }, `, ${badge} unread`)) : null,
  );
}

function decorative(el) {
  el.setAttribute("aria-hidden", "true");
  if (el.tagName === "IMG") el.alt = "";
  return el;
}

function renderNav() {
  const nav = clear(document.getElementById("nav"));
  nav.append(h("a", { href: "/", class: "brand", "aria-label": "Shutter home" }, h("span", { class: "brand-mark" }), h("span", { class: "brand-name" }, "Shutter")));
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
      isModerator() ? navItem("/admin", "lock", "Admin") : null,
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
  realtime.stop();
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
async function refreshBadges() {
  if (!auth.token) return;
  const [notes, convs] = await Promise.allSettled([ask("notifications", api.notifications), ask("conversations", api.unreadConversations)]);
  if (notes.status === "fulfilled") {
    const n = notes.value;
    badges.notifications = n.unread ?? n.items.filter((x) => !x.read).length;
  }
  if (convs.status === "fulfilled") badges.direct = convs.value.unread;
  renderNav();
}

export async function startSession() {
  if (!auth.token) return;
  try {
    await api.loadMe();
  } catch (err) {
    if (err.status !== 401) console.error(err);
  }
  if (!auth.token) return;
  realtime.start();
  refreshBadges();
  clearInterval(badgeTimer);
  badgeTimer = setInterval(refreshBadges, 30000);
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
// A suspended account (login answered 403 account_suspended): a clear page, not a broken app.
window.addEventListener("shutter:suspended", (e) => {
  const until = (e.detail || []).map((d) => d.suspended_until).find(Boolean);
  realtime.stop();
  navigate(`/suspended${until ? `?until=${encodeURIComponent(until)}` : ""}`, { replace: true });
});
auth.onLoggedOut = () => {
  forgetOfflineData();
  realtime.stop();
  navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
};

// Exposed for the views that sign in (they start the session then navigate).
window.shutter = { navigate, startSession, logout };

// On the home page the feed is asked for at once, in parallel with the session.
if (auth.token && location.pathname === "/") {
  const mode = new URLSearchParams(location.search).get("mode") || localStorage.getItem("shutter.feedMode") || "chronological";
  api.prefetchFeed(mode);
}
startSession().finally(render);
startPwa();
