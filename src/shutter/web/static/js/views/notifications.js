// Notifications, aggregated the way the server sends them ("a and 12 others liked...").

import * as api from "../api.js";
import { avatar, errorBox, h, infiniteScroll, spinner, timeEl, unavailable, userLink } from "../dom.js";
import { moderationNotice } from "./admin.js";

const PHRASES = {
  like: "liked your post.",
  post_liked: "liked your post.",
  comment: "commented:",
  post_commented: "commented:",
  reply: "replied to your comment:",
  comment_like: "liked your comment:",
  comment_replied: "replied to your comment:",
  follow: "started following you.",
  followed: "started following you.",
  follow_request: "requested to follow you.",
  follow_requested: "requested to follow you.",
  follow_accepted: "accepted your follow request.",
  mention: "mentioned you:",
  mentioned: "mentioned you:",
  post: "shared a new post.",
  story: "shared a new story.",
};

function describe(n) {
  const who = [];
  n.actors.slice(0, 2).forEach((a, i) => {
    if (i) who.push(n.actors.length > 1 && !n.others ? " and " : ", ");
    who.push(userLink(a, { class: "user-link strong" }));
  });
  if (n.others) who.push(` and ${n.others} ${n.others === 1 ? "other" : "others"}`);
  if (n.type.startsWith("moderation_")) return moderationNotice(n);
  const phrase = PHRASES[n.type] || n.type.replace(/_/g, " ");
  return [who, " ", phrase, n.text ? [" ", h("span", { class: "quote" }, n.text)] : null];
}

export function notificationsView(ctx) {
  const list = h("ul", { class: "notifications" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  let first = true;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.notifications(cursor);
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
            target ? h("a", { href: target, class: "button small" }, n.postId ? "View" : "Open") : null,
          ),
        );
      }
      if (first) {
        first = false;
        api.markNotificationsRead().then(ctx.refreshBadges, () => {});
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, "No notifications yet."));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable("Notifications") : errorBox(err));
      return false;
    }
  });
  // A notification arriving while the page is open goes on top.
  const onEvent = (e) => {
    if (e.detail && e.detail.type === "notification") window.shutter.navigate("/notifications", { replace: true });
  };
  window.addEventListener("shutter:event", onEvent);
  ctx.onLeave(() => {
    observer.disconnect();
    window.removeEventListener("shutter:event", onEvent);
  });
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Notifications"), list, sentinel));
}
