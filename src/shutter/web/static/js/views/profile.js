// Profiles (header, counts, follow / unfollow / block / mute / remove follower, highlights,
// grid), follower and following lists, your own settings (edit profile, avatar, private
// account, links to the quiet and story settings) and follow requests.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, count, errorBox, h, icon, infiniteScroll, modal, spinner, toast, unavailable } from "../dom.js";
import { uploadFile } from "../upload.js";
import { postTile } from "./postcard.js";
import { openReport } from "./report.js";
import { languageSettings, pushSettings } from "./push.js";
import { highlightsRow } from "./highlights.js";
import { muteLabel, openMuteDialog } from "./quiet.js";
import { t } from "../i18n.js";

function followLabel(user) {
  if (user.rel.following) return t("follow.following");
  if (user.rel.requested) return t("follow.requested");
  return user.rel.followedBy ? t("follow.back") : t("follow.follow");
}

export function followButton(user, onChange = () => {}) {
  const button = h("button", { type: "button", class: "button follow" });
  const paint = () => {
    button.textContent = followLabel(user);
    button.classList.toggle("primary", !user.rel.following && !user.rel.requested);
    button.setAttribute("aria-pressed", String(user.rel.following || user.rel.requested));
  };
  paint();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (user.rel.following || user.rel.requested) {
        if (user.rel.following && user.isPrivate && !confirm(t("profile.unfollowPrivate", { name: user.username }))) return;
        await api.unfollow(user.id);
        if (user.rel.following && user.followers !== null) user.followers -= 1;
        user.rel.following = false;
        user.rel.requested = false;
      } else {
        const status = await api.follow(user.id);
        user.rel.following = status === "following";
        user.rel.requested = status === "requested";
        if (user.rel.following && user.followers !== null) user.followers += 1;
      }
      paint();
      onChange();
    } catch (err) {
      toast(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function userRow(u, extra) {
  return h(
    "li",
    { class: "user-row" },
    h("a", { href: `/u/${u.username}`, class: "user-row-link" }, avatar(u, 44), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, u.username), u.displayName ? h("span", { class: "muted" }, u.displayName) : null)),
    extra || null,
  );
}

function userListModal(title, loader, onClose, extra = null) {
  const list = h("ul", { class: "user-list" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  let leaving = false;
  const ref = modal(title, h("div", {}, list, sentinel), { onClose: () => !leaving && onClose && onClose() });
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await loader(cursor);
      page.items.forEach((u) => {
        const row = userRow(u);
        if (extra) row.append(extra(u, row));
        list.append(row);
      });
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, t("profile.nobody")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(errorBox(err));
      return false;
    }
  });
  ref.dialog.addEventListener("click", (e) => {
    if (!e.target.closest("a")) return;
    leaving = true;
    ref.close();
  });
  return { observer, close: () => { leaving = true; ref.close(); } };
}

export async function profileView(ctx) {
  const user = await api.userByName(ctx.params.username);
  const isMe = auth.me && auth.me.id === user.id;
  const counts = h("ul", { class: "counts" });
  const paintCounts = () =>
    counts.replaceChildren(
      h("li", {}, h("span", { class: "strong" }, count(user.posts, "count.posts"))),
      h("li", {}, h("a", { href: `/u/${user.username}/followers`, class: "count-link" }, count(user.followers, "count.followers"))),
      h("li", {}, h("a", { href: `/u/${user.username}/following`, class: "count-link" }, `${count(user.following, "count.following")}`)),
    );
  paintCounts();
  const actions = h("div", { class: "profile-actions" });
  if (isMe) {
    actions.append(
      h("a", { href: "/settings", class: "button" }, t("profile.edit")),
      h("a", { href: "/requests", class: "button" }, t("requests.title")),
      h("a", { href: "/saved", class: "button saved-link" }, icon("bookmark"), " ", t("profile.saved")),
      h("a", { href: "/stories/archive", class: "button" }, t("profile.archive")),
      h("a", { href: "/archive", class: "button" }, t("profile.archivedPosts")),
    );
  } else if (auth.me) {
    const bell = bellButton(user);
    actions.append(
      followButton(user, () => {
        paintCounts();
        if (!user.rel.following) user.rel.notify = false; // unfollowing drops the bell
        bell.paint();
      }),
      bell.button,
      h("a", { href: `/direct/with/${user.username}`, class: "button" }, t("profile.message")),
      h("button", {
        type: "button",
        class: "icon-button",
        "aria-label": t("post.moreOptions"),
        onClick: () => blockMenu(user, paintMuted),
      }, icon("more")),
    );
  }
  // Muting is yours alone: the muted account sees nothing of it.
  const mutedNote = h("p", { class: "muted small", "data-muted-note": "" });
  const paintMuted = () => {
    const m = user.rel.muting || {};
    const what = m.posts && m.stories ? "both" : m.posts ? "posts" : m.stories ? "stories" : "";
    mutedNote.textContent = what ? t(`profile.muted.${what}`) : "";
    mutedNote.hidden = !what;
  };
  paintMuted();
  const header = h(
    "header",
    { class: "profile-head" },
    h("div", { class: "profile-avatar" }, avatar(user, 150, "(min-width: 768px) 150px, 77px")),
    h(
      "div",
      { class: "profile-info" },
      h("div", { class: "profile-title" }, h("h1", {}, user.username), user.isPrivate ? icon("lock", t("profile.private")) : null, actions),
      counts,
      user.displayName ? h("p", { class: "strong" }, user.displayName) : null,
      user.bio ? h("p", { class: "bio" }, user.bio) : null,
      user.rel.followedBy && !isMe ? h("p", { class: "muted" }, t("profile.followsYou")) : null,
      isMe ? null : mutedNote,
    ),
  );
  const grid = h("div", { class: "grid", role: "group", "aria-label": t("profile.posts") });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.userPosts(user.id, cursor);
      page.items.forEach((p) => grid.append(postTile(p)));
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(grid.children.length ? "" : h("div", { class: "empty" }, h("p", { class: "empty-title" }, t("profile.noPosts")), isMe ? h("a", { href: "/new", class: "button primary" }, t("profile.shareFirst")) : null));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(
        err.code === "private_account"
          ? h("div", { class: "empty" }, icon("lock"), h("p", { class: "empty-title" }, t("profile.privateTitle")), h("p", {}, t("profile.privateText")))
          : errorBox(err),
      );
      return false;
    }
  });
  ctx.onLeave(() => observer.disconnect());
  if (ctx.params.list) {
    const which = ctx.params.list;
    setTimeout(() => {
      // Your own followers can be removed (no block: they may follow again).
      const removable = isMe && which === "followers" ? (u, row) => h("button", {
        type: "button",
        class: "button small",
        "aria-label": t("profile.removeFollowerName", { name: u.username }),
        onClick: async () => {
          if (!confirm(t("profile.removeFollowerAsk", { name: u.username }))) return;
          try {
            await api.removeFollower(u.id);
            if (user.followers !== null) user.followers -= 1;
            paintCounts();
            row.replaceChildren(h("span", { class: "muted" }, t("profile.wasRemoved", { name: u.username })));
          } catch (err) {
            toast(err.message, "error");
          }
        },
      }, t("common.remove")) : null;
      const r = userListModal(
        which === "followers" ? t("profile.followers") : t("follow.following"),
        (c) => (which === "followers" ? api.followers(user.id, c) : api.following(user.id, c)),
        () => ctx.navigate(`/u/${user.username}`, { replace: true }),
        removable,
      );
      ctx.onLeave(() => {
        r.observer.disconnect();
        r.close();
      });
    }, 0);
  }
  const highlights = auth.me ? highlightsRow(user, isMe) : null;
  return h("section", { class: "profile" }, header, highlights, grid, sentinel);
}

/**
 * The bell: a notification for each new post and story of an account you follow. Shown
 * only while you follow (an approved follow); unfollowing or blocking turns it off.
 */
function bellButton(user) {
  const button = h("button", { type: "button", class: "icon-button bell" }, icon("bell"));
  const paint = () => {
    button.hidden = !user.rel.following;
    button.setAttribute("aria-pressed", String(user.rel.notify));
    button.setAttribute("aria-label", user.rel.notify ? t("bell.turnOff") : t("bell.turnOn"));
    button.title = user.rel.notify ? t("bell.on") : t("bell.off");
    button.classList.toggle("on", user.rel.notify);
  };
  paint();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      user.rel.notify = await (user.rel.notify ? api.notifyOff(user.id) : api.notifyOn(user.id));
      toast(t(user.rel.notify ? "bell.toldOn" : "bell.toldOff", { name: user.username }));
      paint();
    } catch (err) {
      toast(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return { button, paint };
}

function blockMenu(user, onMuteChange) {
  const ref = modal(
    user.username,
    h(
      "div",
      { class: "menu" },
      h("button", {
        type: "button",
        class: "button danger wide",
        onClick: async () => {
          try {
            if (user.rel.blocking) {
              await api.unblock(user.id);
              user.rel.blocking = false;
              toast(t("block.unblocked", { name: user.username }));
            } else {
              if (!confirm(t("block.ask", { name: user.username }))) return;
              await api.block(user.id);
              user.rel.blocking = true;
              user.rel.following = false;
              toast(t("block.blocked", { name: user.username }));
            }
            ref.close();
            window.shutter.navigate(location.pathname, { replace: true });
          } catch (err) {
            toast(err.unavailable ? t("block.unavailable") : err.message, err.unavailable ? "info" : "error");
          }
        },
      }, user.rel.blocking ? t("block.unblock") : t("block.block")),
      user.rel.blocking ? null : h("button", { type: "button", class: "button wide", "data-mute-open": "", onClick: () => {
        ref.close();
        openMuteDialog(user, onMuteChange);
      } }, muteLabel(user)),
      user.rel.followedBy ? h("button", { type: "button", class: "button wide", onClick: async () => {
        if (!confirm(t("profile.removeFollowerAsk", { name: user.username }))) return;
        try {
          await api.removeFollower(user.id);
          user.rel.followedBy = false;
          toast(t("profile.removedFollower", { name: user.username }));
          ref.close();
          window.shutter.navigate(location.pathname, { replace: true });
        } catch (err) {
          toast(err.message, "error");
        }
      } }, t("profile.removeFollower")) : null,
      h("button", { type: "button", class: "button wide", onClick: () => {
        ref.close();
        openReport("user", user.id, "account");
      } }, t("common.report")),
    ),
  );
}

export async function settingsView(ctx) {
  const me = await api.loadMe();
  const preview = h("div", { class: "avatar-preview" }, avatar(me, 96));
  const avatarInput = h("input", { type: "file", id: "avatar-file", accept: "image/*", class: "visually-hidden" });
  const avatarStatus = h("p", { class: "muted", "aria-live": "polite" });
  avatarInput.addEventListener("change", async () => {
    const file = avatarInput.files[0];
    if (!file) return;
    avatarStatus.textContent = t("upload.uploading");
    try {
      const media = await uploadFile(file, (f, phase) => (avatarStatus.textContent = phase === "processing" ? t("upload.processing") : t("upload.progress", { percent: Math.round(f * 100) })));
      const updated = await api.updateMe({ avatar_media_id: media.id });
      preview.replaceChildren(avatar(updated, 96));
      avatarStatus.textContent = t("settings.photoUpdated");
    } catch (err) {
      avatarStatus.textContent = "";
      avatarStatus.append(errorBox(err));
    }
    avatarInput.value = "";
  });
  const removeAvatar = h("button", {
    type: "button",
    class: "button link small",
    onClick: async () => {
      const updated = await api.updateMe({ avatar_media_id: null });
      preview.replaceChildren(avatar(updated, 96));
    },
  }, t("settings.removePhoto"));
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "field" }, h("label", { for: "display-name" }, t("settings.name")), h("input", { id: "display-name", name: "display_name", maxlength: 64, value: me.displayName })),
    h("div", { class: "field" }, h("label", { for: "bio" }, t("settings.bio")), h("textarea", { id: "bio", name: "bio", maxlength: 150, rows: 3 }, me.bio)),
    h("label", { class: "switch" }, h("input", { type: "checkbox", name: "is_private", id: "is-private", checked: me.isPrivate, role: "switch" }), h("span", {}, t("profile.private")), h("span", { class: "muted small" }, t("settings.privateHint"))),
    h("button", { type: "submit", class: "button primary" }, t("common.save")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    const data = new FormData(form);
    try {
      await api.updateMe({ display_name: String(data.get("display_name")), bio: String(data.get("bio")), is_private: data.get("is_private") === "on" });
      toast(t("settings.saved"));
      ctx.navigate(`/u/${auth.me.username}`);
    } catch (err) {
      form.append(errorBox(err));
    }
  });
  return h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card settings" },
      h("h1", {}, t("profile.edit")),
      h("p", { class: "small" }, h("a", { href: "/settings/security" }, t("settings.security"))),
      h("div", { class: "avatar-row" }, preview, h("div", {}, h("p", { class: "strong" }, me.username), h("label", { for: "avatar-file", class: "button link" }, t("settings.changePhoto")), avatarInput, me.avatarUrl ? removeAvatar : null, avatarStatus)),
      form,
      h("p", {}, h("a", { href: "/settings/data", "data-settings-link": "data" }, t("settings.data"))),
      h(
        "ul",
        { class: "settings-links", "aria-label": t("settings.privacyLinks") },
        h("li", {}, h("a", { href: "/settings/muted", "data-settings-link": "muted" }, t("settings.muted"))),
        h("li", {}, h("a", { href: "/settings/apps", "data-settings-link": "apps" }, t("settings.apps"))),
        h("li", {}, h("a", { href: "/settings/hashtags", "data-settings-link": "hashtags" }, t("settings.hashtags"))),
        h("li", {}, h("a", { href: "/settings/comments", "data-settings-link": "comments" }, t("settings.comments"))),
        h("li", {}, h("a", { href: "/settings/close-friends", "data-settings-link": "close-friends" }, t("settings.closeFriends"))),
        h("li", {}, h("a", { href: "/stories/archive", "data-settings-link": "archive" }, t("settings.storyArchive"))),
        h("li", {}, h("a", { href: "/archive", "data-settings-link": "archived-posts" }, t("profile.archivedPosts"))),
      ),
    ),
    pushSettings(),
    languageSettings(),
  );
}

export async function requestsView(ctx) {
  const list = h("ul", { class: "user-list" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.followRequests(cursor);
      for (const u of page.items) {
        const row = userRow(
          u,
          h(
            "span",
            { class: "row-actions" },
            h("button", { type: "button", class: "button primary small", onClick: () => answer(row, u, true) }, t("requests.confirm")),
            h("button", { type: "button", class: "button small", onClick: () => answer(row, u, false) }, t("common.delete")),
          ),
        );
        list.append(row);
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, t("requests.none")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable(t("requests.title")) : errorBox(err));
      return false;
    }
  });
  async function answer(row, u, approve) {
    try {
      await (approve ? api.approveRequest(u.id) : api.rejectRequest(u.id));
      row.replaceChildren(h("span", { class: "muted" }, approve ? t("requests.approved", { name: u.username }) : t("requests.removed", { name: u.username })));
    } catch (err) {
      toast(err.message, "error");
    }
  }
  ctx.onLeave(() => observer.disconnect());
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("requests.title")), list, sentinel));
}
