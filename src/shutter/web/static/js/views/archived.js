// Your archived posts: hidden from everyone else until you restore them (a post's menu has
// "Archive" and "Restore"). Reached from your profile and from the settings.

import * as api from "../api.js";
import { h } from "../dom.js";
import { postGrid } from "./saved.js";

export function archivedPostsView(ctx) {
  const archived = postGrid("Archived posts", (cursor) => api.archivedPosts(cursor), "No archived posts");
  ctx.onLeave(() => archived.observer.disconnect());
  return h(
    "section",
    { class: "saved" },
    h("header", { class: "saved-head" }, h("h1", {}, "Archived posts")),
    h("p", { class: "muted small" }, "Only you can see these. Open one and choose Restore to put it back on your profile."),
    archived.grid,
    archived.sentinel,
  );
}
