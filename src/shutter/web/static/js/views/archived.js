// Your archived posts: hidden from everyone else until you restore them (a post's menu has
// "Archive" and "Restore"). Reached from your profile and from the settings.

import * as api from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { postGrid } from "./saved.js";

export function archivedPostsView(ctx) {
  const archived = postGrid(t("profile.archivedPosts"), (cursor) => api.archivedPosts(cursor), t("archived.none"));
  ctx.onLeave(() => archived.observer.disconnect());
  return h(
    "section",
    { class: "saved" },
    h("header", { class: "saved-head" }, h("h1", {}, t("profile.archivedPosts"))),
    h("p", { class: "muted small" }, t("archived.hint")),
    archived.grid,
    archived.sentinel,
  );
}
