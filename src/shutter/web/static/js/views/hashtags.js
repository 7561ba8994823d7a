// Following hashtags: the Follow/Following button of a hashtag page, and the "Followed
// hashtags" list in settings. A followed tag's public posts come into the home feed.

import * as api from "../api.js";
import { errorBox, h, infiniteScroll, spinner, toast, unavailable } from "../dom.js";
import { t } from "../i18n.js";
import { settingsCard } from "./quiet.js";

/** A Follow / Following toggle for a hashtag (aria-pressed says which). */
export function hashtagFollowButton(tag, following) {
  const button = h("button", { type: "button", class: "button follow" });
  const paint = () => {
    button.textContent = following ? t("follow.following") : t("follow.follow");
    button.classList.toggle("primary", !following);
    button.setAttribute("aria-pressed", String(following));
  };
  paint();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const state = following ? await api.unfollowHashtag(tag) : await api.followHashtag(tag);
      following = state.following;
      paint();
      toast(following ? t("hashtags.followed", { tag }) : t("hashtags.unfollowed", { tag }));
    } catch (err) {
      toast(err.code === "too_many_hashtags" ? t("hashtags.tooMany") : err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** /settings/hashtags: the hashtags you follow, most recent first, each with Unfollow. */
export function followedHashtagsView(ctx) {
  const list = h("ul", { class: "user-list", "aria-label": t("settings.hashtags") });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.followedHashtags(cursor);
      for (const { name } of page.items) {
        const row = h(
          "li",
          { class: "user-row" },
          h("a", { href: `/tags/${encodeURIComponent(name)}`, class: "user-row-link" }, h("span", { class: "tag-icon", "aria-hidden": "true" }, "#"), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, `#${name}`))),
          h("span", { class: "row-actions" }, h("button", { type: "button", class: "button small", "aria-label": t("hashtags.unfollowName", { tag: name }), onClick: async () => {
            try {
              await api.unfollowHashtag(name);
              row.replaceChildren(h("span", { class: "muted" }, t("hashtags.unfollowed", { tag: name })));
            } catch (err) {
              toast(err.message, "error");
            }
          } }, t("hashtags.unfollow"))),
        );
        list.append(row);
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, t("hashtags.none")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable(t("settings.hashtags")) : errorBox(err));
      return false;
    }
  });
  ctx.onLeave(() => observer.disconnect());
  return settingsCard(t("settings.hashtags"), h("p", { class: "muted small" }, t("hashtags.hint")), list, sentinel);
}
