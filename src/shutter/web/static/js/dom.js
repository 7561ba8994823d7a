// Small DOM helpers. User text only ever goes in through text nodes (never innerHTML).

import { formatDate, language, t } from "./i18n.js";

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, value);
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  home: "M3 10.5 12 3l9 7.5V21h-6v-6H9v6H3z",
  search: "M10.5 3a7.5 7.5 0 1 0 4.6 13.4l4.8 4.8 1.4-1.4-4.8-4.8A7.5 7.5 0 0 0 10.5 3zm0 2a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11z",
  explore: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm4.5 3.5-6 3-3 6 6-3z",
  plus: "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 2v14h14V5zm6 3h2v3h3v2h-3v3h-2v-3H8v-2h3z",
  heart: "M12 21s-7.5-4.6-9.6-9.4C1 8.2 3 4.5 6.6 4.5c2 0 3.6 1.1 4.4 2.6h2c.8-1.5 2.4-2.6 4.4-2.6 3.6 0 5.6 3.7 4.2 7.1C19.5 16.4 12 21 12 21z",
  comment: "M12 3C6.5 3 2 6.9 2 11.7c0 2.5 1.2 4.7 3.2 6.3L4.5 22l4.3-2.1c1 .3 2.1.4 3.2.4 5.5 0 10-3.9 10-8.6S17.5 3 12 3z",
  send: "M2 21 23 12 2 3v7l15 2-15 2z",
  user: "M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm0 2c-4.4 0-9 2.2-9 5v3h18v-3c0-2.8-4.6-5-9-5z",
  bell: "M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.8V3h-3v1.2A7 7 0 0 0 5 11v5l-2 2v1h18v-1z",
  more: "M5 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm7 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm7 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4z",
  close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z",
  logout: "M10 3H4v18h6v-2H6V5h4zm6 4-1.4 1.4 2.6 2.6H9v2h8.2l-2.6 2.6L16 17l5-5z",
  lock: "M6 10V8a6 6 0 1 1 12 0v2h1v12H5V10zm2 0h8V8a4 4 0 1 0-8 0z",
  bookmark: "M6 2h12a1 1 0 0 1 1 1v19l-7-5-7 5V3a1 1 0 0 1 1-1zm1 2v14.1l5-3.6 5 3.6V4z",
  bookmarkFilled: "M6 2h12a1 1 0 0 1 1 1v19l-7-5-7 5V3a1 1 0 0 1 1-1z",
  reels: "M5 2h14a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3H5a3 3 0 0 1-3-3V5a3 3 0 0 1 3-3zm-1 6v11a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1V8zm6 2.5 5 3-5 3zM4 6h16V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1z",
  volumeOff: "M3 9v6h4l5 5V4L7 9zm13.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z",
  volumeOn: "M3 9v6h4l5 5V4L7 9zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z",
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zm8 0h4v14h-4z",
};

export function icon(name, label) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name}`);
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name] || "");
  svg.append(path);
  return svg;
}

export function avatar(user, size = 32, sizes = null) {
  const name = (user && (user.displayName || user.username)) || "?";
  if (user && user.avatarUrl) {
    // avatarUrl is 150 px square; a single profile also has a 320 px one, offered where
    // the caller gives `sizes` (the profile header).
    const big = sizes && user.avatarUrls && user.avatarUrls.small;
    return h("img", {
      class: "avatar",
      src: user.avatarUrl,
      srcset: big ? `${user.avatarUrl} 150w, ${big} 320w` : null,
      sizes: big ? sizes : null,
      alt: t("avatar.alt", { name: user.username }),
      width: size,
      height: size,
      style: { width: `${size}px`, height: `${size}px` },
      loading: "lazy",
    });
  }
  return h(
    "span",
    {
      class: "avatar avatar-letter",
      role: "img",
      "aria-label": t("avatar.alt", { name: user ? user.username : t("avatar.unknown") }),
      style: { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.45)}px` },
    },
    name.slice(0, 1).toUpperCase(),
  );
}

export function userLink(user, extra) {
  return h("a", { href: `/u/${user.username}`, class: "user-link", ...(extra || {}) }, user.username);
}

/** Caption or comment text with #hashtags and @mentions as links. */
export function richText(text) {
  const out = [];
  const pattern = /([#@])([\p{L}\p{N}_.]+)/gu;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    if (start > 0 && /[\p{L}\p{N}_]/u.test(text[start - 1])) continue; // e-mail, a#b
    out.push(text.slice(last, start));
    const word = match[2].replace(/\.+$/, "");
    const href = match[1] === "#" ? `/tags/${encodeURIComponent(word.toLowerCase())}` : `/u/${word.toLowerCase()}`;
    out.push(h("a", { href, class: match[1] === "#" ? "hashtag" : "mention" }, match[1] + word));
    last = start + 1 + word.length;
  }
  out.push(text.slice(last));
  return out;
}

const unit = (n, name) => new Intl.NumberFormat(language, { style: "unit", unit: name, unitDisplay: "narrow" }).format(n);

/** "now", "6m", "2h", "3d" (Intl's narrow units), then a date: "Mar 4", with the year when not this year. */
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const then = new Date(iso);
  const seconds = Math.max(0, (now - then.getTime()) / 1000);
  if (seconds < 60) return t("time.now");
  if (seconds < 3600) return unit(Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return unit(Math.floor(seconds / 3600), "hour");
  if (seconds < 7 * 86400) return unit(Math.floor(seconds / 86400), "day");
  const thisYear = then.getFullYear() === new Date(now).getFullYear();
  return formatDate(then, thisYear ? { month: "short", day: "numeric" } : { month: "short", day: "numeric", year: "numeric" });
}

/** A <time> with the short form shown, the exact moment in `datetime` and on hover. */
export function timeEl(iso) {
  if (!iso) return h("time", {}, "");
  const full = formatDate(iso, { dateStyle: "long", timeStyle: "short" });
  return h("time", { datetime: iso, title: full }, timeAgo(iso));
}

/** A <time> showing the date itself ("December 1, 2026 at 2:00 PM"): for a moment in the
 * future (a link's expiry, the end of a suspension), which timeAgo() cannot say. */
export function dateEl(iso, options = { dateStyle: "long", timeStyle: "short" }) {
  return h("time", { datetime: iso }, formatDate(iso, options));
}

/** "12 posts", "1.2K followers": a plural message of the catalogue, large counts compact. */
export function count(n, key) {
  if (n === null || n === undefined) return "";
  return t(key, { n, compact: true });
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const el = h("div", { class: `toast toast-${kind}` }, message);
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
}

/** A quiet placeholder for a screen whose API is not on this server yet. */
export function unavailable(what) {
  return h(
    "div",
    { class: "empty unavailable", "data-unavailable": "" },
    h("p", { class: "empty-title" }, t("unavailable.title", { what })),
    h("p", {}, t("unavailable.text")),
  );
}

export function errorBox(err) {
  return h("p", { class: "form-error", role: "alert" }, err.message || String(err));
}

export function spinner() {
  return h("div", { class: "spinner", role: "progressbar", "aria-label": t("common.loading") });
}

/** Calls `load()` whenever `sentinel` scrolls into view, until load() returns false. */
export function infiniteScroll(sentinel, load) {
  let busy = false;
  let done = false;
  const observer = new IntersectionObserver(
    async (entries) => {
      if (busy || done || !entries.some((e) => e.isIntersecting)) return;
      busy = true;
      try {
        done = (await load()) === false;
      } finally {
        busy = false;
      }
      if (done) observer.disconnect();
      else if (sentinel.isConnected) {
        // Still visible after a short page: ask again.
        observer.unobserve(sentinel);
        observer.observe(sentinel);
      }
    },
    { rootMargin: "800px 0px" },
  );
  observer.observe(sentinel);
  return observer;
}

/** A dialog over the page. Escape or the backdrop closes it; focus comes back to where it was. */
export function modal(title, content, { onClose, role = "dialog" } = {}) {
  const opener = document.activeElement;
  const close = () => {
    backdrop.remove();
    document.removeEventListener("keydown", onKey, true);
    if (opener && opener.isConnected && opener.focus) opener.focus();
    if (onClose) onClose();
  };
  const onKey = (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
    } else if (e.key === "Tab") {
      // Keep the focus inside the dialog while it is open.
      const items = [...dialog.querySelectorAll("a[href], button:not([disabled]), input, textarea, [tabindex='0']")];
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  const headingId = `dialog-${++dialogCount}`;
  const dialog = h(
    "div",
    { class: "modal", role, "aria-modal": "true", "aria-labelledby": headingId },
    h("header", { class: "modal-head" }, h("h2", { id: headingId }, title), h("button", { class: "icon-button", type: "button", "aria-label": t("common.close"), onClick: close }, icon("close"))),
    h("div", { class: "modal-body" }, content),
  );
  const backdrop = h("div", { class: "backdrop", onClick: (e) => e.target === backdrop && close() }, dialog);
  document.body.append(backdrop);
  document.addEventListener("keydown", onKey, true);
  const focusable = dialog.querySelector("input, textarea, .modal-body button") || dialog.querySelector("button");
  if (focusable) focusable.focus();
  return { close, dialog };
}
let dialogCount = 0;

/** Asks before something that cannot be undone; resolves to true when confirmed. */
export function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const cancel = h("button", { type: "button", class: "button" }, t("common.cancel"));
    const ok = h("button", { type: "button", class: "button primary danger-fill" }, confirmLabel);
    const ref = modal(title, h("div", { class: "confirm" }, h("p", {}, text), h("div", { class: "confirm-buttons" }, cancel, ok)), {
      role: "alertdialog",
      onClose: () => resolve(answer),
    });
    cancel.addEventListener("click", () => ref.close());
    ok.addEventListener("click", () => {
      answer = true;
      ref.close();
    });
    cancel.focus(); // the safe choice has the focus
  });
}

/**
 * A "…" button with a menu (the WAI-ARIA menu button pattern): Enter, Space or a click
 * opens it on its first item, arrows move, Escape closes it and focus returns to the button.
 * `items`: [{label, onSelect, danger}].
 */
export function menuButton(label, items) {
  const id = `menu-${++menuCount}`;
  const button = h("button", { type: "button", class: "icon-button", "aria-label": label, "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": id }, icon("more"));
  const entries = items.map((item) =>
    h("button", { type: "button", role: "menuitem", tabindex: "-1", class: `menu-item${item.danger ? " danger" : ""}`, onClick: () => {
      close(true);
      item.onSelect();
    } }, item.label),
  );
  const menu = h("div", { id, class: "popup-menu", role: "menu", "aria-label": label, hidden: true }, entries);
  const wrap = h("div", { class: "menu-wrap" }, button, menu);
  const isOpen = () => !menu.hidden;
  const focusAt = (i) => entries[(i + entries.length) % entries.length].focus();
  function open() {
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    focusAt(0);
    document.addEventListener("pointerdown", outside, true);
  }
  function close(refocus) {
    if (!isOpen()) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", outside, true);
    if (refocus) button.focus();
  }
  const outside = (e) => !wrap.contains(e.target) && close(false);
  button.addEventListener("click", () => (isOpen() ? close(true) : open()));
  menu.addEventListener("keydown", (e) => {
    const at = entries.indexOf(document.activeElement);
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      focusAt(at + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      focusAt(at - 1);
    } else if (e.key === "Home") {
      e.preventDefault();
      focusAt(0);
    } else if (e.key === "End") {
      e.preventDefault();
      focusAt(-1);
    } else if (e.key === "Tab") {
      close(false);
    }
  });
  return wrap;
}
let menuCount = 0;

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
