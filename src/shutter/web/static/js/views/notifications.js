// Notifications, aggregated the way the server sends them ("a and 12 others liked...").
// The sentence is made here from the kind and the actors, in the reader's language (the
// server's English `text` is not shown); only a comment's own words are quoted.

import * as api from "../api.js";
import { avatar, errorBox, h, infiniteScroll, spinner, timeEl, unavailable, userLink } from "../dom.js";
import { moderationNotice } from "./admin.js";
import { t, tParts } from "../i18n.js";

// The kinds, under their names and a few older ones.
const KINDS = {
  like: "like",
  post_liked: "like",
  comment: "comment",
  post_commented: "comment",
  reply: "reply",
  comment_replied: "reply",
  comment_like: "comment_like",
  follow: "follow",
  followed: "follow",
  follow_request: "follow_request",
  follow_requested: "follow_request",
  follow_accepted: "follow_accepted",
  mention: "mention",
  mentioned: "mention",
  post: "post",
  story: "story",
};

function who(n) {
  const [a, b] = n.actors.slice(0, 2).map((actor) => h("span", {}, userLink(actor, { class: "user-link strong" })));
  const others = n.others ? t("count.others", { n: n.others }) : null;
  if (b) return h("span", {}, ...tParts(others ? "notif.whoTwoAndOthers" : "notif.whoTwo", { a, b, others }));
  return others ? h("span", {}, ...tParts("notif.whoOneAndOthers", { a, others })) : a;
}

function describe(n) {
  if (n.type.startsWith("moderation_")) return moderationNotice(n);
  const total = n.actors.length + (n.others || 0);
  const kind = KINDS[n.type];
  const sentence = kind ? tParts(`notif.${kind}`, { who: who(n), n: total }) : tParts("notif.other", { who: who(n), what: n.type.replace(/_/g, " ") });
  return [...sentence, n.text ? [" ", h("span", { class: "quote" }, n.text)] : null];
}

// What a page of notifications shows (not whether it is read): a new one, or a new actor
// on an aggregated one, changes it.
const fingerprint = (items) => JSON.stringify(items.map((n) => [n.id, n.createdAt, n.actors.length, n.others]));

export function notificationsView(ctx) {
  const list = h("ul", { class: "notifications" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  let first = true;
  let drawn; // resolves to the first page as drawn (its fingerprint)
  const firstDrawn = new Promise((resolve) => (drawn = resolve));
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.notifications(cursor);
      if (first) drawn(fingerprint(page.items));
      for (const n of page.items) {
        const target = n.postId
          ? `/p/${n.postId}`
          : n.type.startsWith("follow_request")
            ? "/requests"
            : n.type === "story" && n.actors[0]
              ? `/stories/${n.actors[0].id}`
              : n.actors[0]
                ? `/u/${n.actors[0].username}`
                : null;
        list.append(
          h(
            "li",
            { class: `notification${n.read ? "" : " unread"}`, dataset: { type: n.type } },
            n.actors[0] ? avatar(n.actors[0], 44) : null,
            h("p", {}, describe(n), " ", timeEl(n.createdAt)),
            target ? h("a", { href: target, class: "button small" }, n.postId ? t("notif.view") : t("notif.open")) : null,
          ),
        );
      }
      if (first) {
        first = false;
        api.markNotificationsRead().then(ctx.refreshBadges, () => {});
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, t("notif.none")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable(t("nav.notifications")) : errorBox(err));
      return false;
    }
  });
  // A notification arriving while the page is open goes on top.
  const onEvent = (e) => {
    if (e.detail && e.detail.type === "notification") window.shutter.navigate("/notifications", { replace: true });
  };
  window.addEventListener("shutter:event", onEvent);
  // Each hello of the socket: one made while it was not listening (after the first page's
  // answer, before the socket started or while it was down) is shown now.
  let left = false;
  const onSocket = async (e) => {
    if (!e.detail.connected) return;
    const shown = await firstDrawn;
    const now = await api.notifications(null).catch(() => null);
    if (now && !left && fingerprint(now.items) !== shown) window.shutter.navigate("/notifications", { replace: true });
  };
  window.addEventListener("shutter:socket", onSocket);
  ctx.onLeave(() => {
    left = true;
    observer.disconnect();
    window.removeEventListener("shutter:event", onEvent);
    window.removeEventListener("shutter:socket", onSocket);
  });
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("nav.notifications")), list, sentinel));
}
