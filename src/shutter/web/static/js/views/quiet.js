// Quiet without blocking: the mute dialog of a profile's menu, the muted accounts and
// comment filter settings, and the close-friends list editor.

import * as api from "../api.js";
import { avatar, errorBox, h, infiniteScroll, modal, spinner, toast, unavailable } from "../dom.js";
import { t } from "../i18n.js";

/** The profile menu's mute dialog: posts and/or stories, as two switches. */
export function openMuteDialog(user, onChange = () => {}) {
  const muting = user.rel.muting || { posts: false, stories: false };
  const posts = h("input", { type: "checkbox", id: "mute-posts", role: "switch", checked: muting.posts });
  const stories = h("input", { type: "checkbox", id: "mute-stories", role: "switch", checked: muting.stories });
  const save = h("button", { type: "submit", class: "button primary wide" }, t("common.save"));
  const form = h(
    "form",
    { class: "form", "data-mute-form": "" },
    h("p", { class: "muted small" }, t("quiet.muteIntro", { name: user.username })),
    h("label", { class: "switch", for: "mute-posts" }, posts, h("span", {}, t("quiet.mutePosts")), h("span", { class: "muted small" }, t("quiet.mutePostsHint"))),
    h("label", { class: "switch", for: "mute-stories" }, stories, h("span", {}, t("quiet.muteStories")), h("span", { class: "muted small" }, t("quiet.muteStoriesHint"))),
    save,
  );
  const ref = modal(t("quiet.muteTitle", { name: user.username }), form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      const result = posts.checked || stories.checked ? await api.mute(user.id, posts.checked, stories.checked) : await api.unmute(user.id);
      user.rel.muting = { posts: !!result.posts, stories: !!result.stories };
      toast(t(result.posts || result.stories ? "quiet.muted" : "quiet.unmuted", { name: user.username }));
      ref.close();
      onChange();
    } catch (err) {
      save.disabled = false;
      form.append(errorBox(err));
    }
  });
}

export function muteLabel(user) {
  const m = user.rel.muting || {};
  return m.posts || m.stories ? t("mute.muted") : t("mute.mute");
}

export function settingsCard(title, ...children) {
  return h("section", { class: "narrow" }, h("div", { class: "card settings" }, h("p", { class: "small" }, h("a", { href: "/settings" }, t("quiet.backToSettings"))), h("h1", {}, title), ...children));
}

function personRow(u, ...actions) {
  return h(
    "li",
    { class: "user-row" },
    h("a", { href: `/u/${u.username}`, class: "user-row-link" }, avatar(u, 44), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, u.username), u.displayName ? h("span", { class: "muted" }, u.displayName) : null)),
    h("span", { class: "row-actions" }, ...actions),
  );
}

/** /settings/muted: the accounts you muted, with what is muted and an Unmute button. */
export async function mutedView(ctx) {
  const list = h("ul", { class: "user-list", "aria-label": t("settings.muted") });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.mutedAccounts(cursor);
      for (const { user, muting } of page.items) {
        const what = muting.posts && muting.stories ? "quiet.mutedBoth" : muting.posts ? "quiet.mutedPosts" : "quiet.mutedStories";
        const row = personRow(
          user,
          h("span", { class: "muted small" }, t(what)),
          h("button", { type: "button", class: "button small", onClick: async () => {
            try {
              await api.unmute(user.id);
              row.replaceChildren(h("span", { class: "muted" }, t("quiet.isUnmuted", { name: user.username })));
            } catch (err) {
              toast(err.message, "error");
            }
          } }, t("quiet.unmute")),
        );
        list.append(row);
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, t("quiet.noneMuted")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable(t("quiet.mutingWhat")) : errorBox(err));
      return false;
    }
  });
  ctx.onLeave(() => observer.disconnect());
  return settingsCard(t("settings.muted"), h("p", { class: "muted small" }, t("quiet.mutedHint")), list, sentinel);
}

/** /settings/comments: hidden words and "followers only". */
export async function commentFiltersView() {
  let current;
  try {
    current = await api.commentFilters();
  } catch (err) {
    if (err.unavailable) return unavailable(t("quiet.filtersWhat"));
    throw err;
  }
  const words = h("textarea", { id: "filter-words", name: "words", rows: 5, "aria-describedby": "filter-words-help" }, current.words.join("\n"));
  const followersOnly = h("input", { type: "checkbox", id: "followers-only", role: "switch", checked: current.followers_only });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "field" }, h("label", { for: "filter-words" }, t("quiet.hiddenWords")), words, h("p", { id: "filter-words-help", class: "muted small" }, t("quiet.hiddenWordsHelp"))),
    h("label", { class: "switch", for: "followers-only" }, followersOnly, h("span", {}, t("quiet.followersOnly")), h("span", { class: "muted small" }, t("quiet.followersOnlyHint"))),
    h("button", { type: "submit", class: "button primary" }, t("common.save")),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    const list = words.value.split(/[\n,]/).map((w) => w.trim()).filter(Boolean);
    try {
      const saved = await api.saveCommentFilters(list, followersOnly.checked);
      words.value = saved.words.join("\n");
      status.textContent = t("quiet.filtersSaved");
    } catch (err) {
      status.textContent = "";
      form.append(errorBox(err));
    }
  });
  return settingsCard(t("comments.title"), form);
}

/** /settings/close-friends: who sees your close-friends stories. */
export async function closeFriendsView() {
  let friends;
  try {
    friends = await api.closeFriends();
  } catch (err) {
    if (err.unavailable) return unavailable(t("quiet.closeFriendsWhat"));
    throw err;
  }
  const list = h("ul", { class: "user-list", "aria-label": t("settings.closeFriends") });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  async function save(next, message) {
    try {
      friends = await api.saveCloseFriends(next.map((u) => u.id));
      paint();
      status.textContent = message;
    } catch (err) {
      toast(err.message, "error");
    }
  }
  function paint() {
    list.replaceChildren(
      ...friends.map((u) =>
        personRow(u, h("button", { type: "button", class: "button small", "aria-label": t("quiet.removeFriend", { name: u.username }), onClick: () => save(friends.filter((f) => f.id !== u.id), t("quiet.friendRemoved", { name: u.username })) }, t("common.remove"))),
      ),
    );
    if (!friends.length) list.append(h("li", { class: "muted center" }, t("quiet.friendsEmpty")));
  }
  paint();
  const query = h("input", { type: "search", id: "close-friends-search", placeholder: t("quiet.searchPeople"), autocomplete: "off", "aria-label": t("quiet.searchToAdd") });
  const results = h("ul", { class: "user-list", "aria-label": t("quiet.peopleToAdd") });
  let timer = null;
  query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = query.value.trim();
      if (!q) return results.replaceChildren();
      try {
        const found = await api.search(q, "users");
        const users = found.filter((u) => !friends.some((f) => f.id === u.id));
        results.replaceChildren(
          ...users.map((u) => personRow(u, h("button", { type: "button", class: "button primary small", "aria-label": t("quiet.addFriend", { name: u.username }), onClick: () => {
            results.replaceChildren();
            query.value = "";
            save([...friends, u], t("quiet.friendAdded", { name: u.username }));
          } }, t("save.add")))),
        );
      } catch (err) {
        results.replaceChildren(h("li", {}, errorBox(err)));
      }
    }, 250);
  });
  return settingsCard(
    t("settings.closeFriends"),
    h("p", { class: "muted small" }, t("quiet.friendsHint")),
    query,
    results,
    h("h2", { class: "small strong" }, t("quiet.yourList")),
    list,
    status,
  );
}
