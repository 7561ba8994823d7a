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

function followLabel(user) {
  if (user.rel.following) return "Following";
  if (user.rel.requested) return "Requested";
  return user.rel.followedBy ? "Follow back" : "Follow";
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
        if (user.rel.following && user.isPrivate && !confirm(`Unfollow ${user.username}? You will need to ask again to see their posts.`)) return;
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
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, "Nobody yet."));
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
      h("li", {}, h("span", { class: "strong" }, count(user.posts, "post", "posts"))),
      h("li", {}, h("a", { href: `/u/${user.username}/followers`, class: "count-link" }, count(user.followers, "follower", "followers"))),
      h("li", {}, h("a", { href: `/u/${user.username}/following`, class: "count-link" }, `${count(user.following, "following", "following")}`)),
    );
  paintCounts();
  const actions = h("div", { class: "profile-actions" });
  if (isMe) {
    actions.append(
      h("a", { href: "/settings", class: "button" }, "Edit profile"),
      h("a", { href: "/requests", class: "button" }, "Follow requests"),
      h("a", { href: "/saved", class: "button saved-link" }, icon("bookmark"), " Saved"),
      h("a", { href: "/stories/archive", class: "button" }, "Archive"),
      h("a", { href: "/archive", class: "button" }, "Archived posts"),
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
      h("a", { href: `/direct/with/${user.username}`, class: "button" }, "Message"),
      h("button", {
        type: "button",
        class: "icon-button",
        "aria-label": "More options",
        onClick: () => blockMenu(user, paintMuted),
      }, icon("more")),
    );
  }
  // Muting is yours alone: the muted account sees nothing of it.
  const mutedNote = h("p", { class: "muted small", "data-muted-note": "" });
  const paintMuted = () => {
    const m = user.rel.muting || {};
    const what = [m.posts ? "posts" : null, m.stories ? "stories" : null].filter(Boolean).join(" and ");
    mutedNote.textContent = what ? `You muted their ${what}.` : "";
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
      h("div", { class: "profile-title" }, h("h1", {}, user.username), user.isPrivate ? icon("lock", "Private account") : null, actions),
      counts,
      user.displayName ? h("p", { class: "strong" }, user.displayName) : null,
      user.bio ? h("p", { class: "bio" }, user.bio) : null,
      user.rel.followedBy && !isMe ? h("p", { class: "muted" }, "Follows you") : null,
      isMe ? null : mutedNote,
    ),
  );
  const grid = h("div", { class: "grid", role: "group", "aria-label": "Posts" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.userPosts(user.id, cursor);
      page.items.forEach((p) => grid.append(postTile(p)));
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(grid.children.length ? "" : h("div", { class: "empty" }, h("p", { class: "empty-title" }, "No posts yet"), isMe ? h("a", { href: "/new", class: "button primary" }, "Share your first photo") : null));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(
        err.code === "private_account"
          ? h("div", { class: "empty" }, icon("lock"), h("p", { class: "empty-title" }, "This account is private"), h("p", {}, "Follow this account to see their photos and videos."))
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
        "aria-label": `Remove follower ${u.username}`,
        onClick: async () => {
          if (!confirm(`Remove ${u.username} from your followers? They won't be told.`)) return;
          try {
            await api.removeFollower(u.id);
            if (user.followers !== null) user.followers -= 1;
            paintCounts();
            row.replaceChildren(h("span", { class: "muted" }, `${u.username} was removed.`));
          } catch (err) {
            toast(err.message, "error");
          }
        },
      }, "Remove") : null;
      const r = userListModal(
        which === "followers" ? "Followers" : "Following",
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
    button.setAttribute("aria-label", user.rel.notify ? "Turn off post notifications" : "Turn on post notifications");
    button.title = user.rel.notify ? "Post notifications are on" : "Post notifications are off";
    button.classList.toggle("on", user.rel.notify);
  };
  paint();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      user.rel.notify = await (user.rel.notify ? api.notifyOff(user.id) : api.notifyOn(user.id));
      toast(user.rel.notify ? `You will be told of ${user.username}'s new posts and stories.` : `Post notifications for ${user.username} are off.`);
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
              toast(`Unblocked ${user.username}.`);
            } else {
              if (!confirm(`Block ${user.username}? They won't be able to find your profile or posts, and you will unfollow each other.`)) return;
              await api.block(user.id);
              user.rel.blocking = true;
              user.rel.following = false;
              toast(`Blocked ${user.username}.`);
            }
            ref.close();
            window.shutter.navigate(location.pathname, { replace: true });
          } catch (err) {
            toast(err.unavailable ? "Blocking is not available yet." : err.message, err.unavailable ? "info" : "error");
          }
        },
      }, user.rel.blocking ? "Unblock" : "Block"),
      user.rel.blocking ? null : h("button", { type: "button", class: "button wide", "data-mute-open": "", onClick: () => {
        ref.close();
        openMuteDialog(user, onMuteChange);
      } }, muteLabel(user)),
      user.rel.followedBy ? h("button", { type: "button", class: "button wide", onClick: async () => {
        if (!confirm(`Remove ${user.username} from your followers? They won't be told.`)) return;
        try {
          await api.removeFollower(user.id);
          user.rel.followedBy = false;
          toast(`Removed ${user.username} from your followers.`);
          ref.close();
          window.shutter.navigate(location.pathname, { replace: true });
        } catch (err) {
          toast(err.message, "error");
        }
      } }, "Remove follower") : null,
      h("button", { type: "button", class: "button wide", onClick: () => {
        ref.close();
        openReport("user", user.id, "account");
      } }, "Report"),
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
    avatarStatus.textContent = "Uploading…";
    try {
      const media = await uploadFile(file, (f, phase) => (avatarStatus.textContent = phase === "processing" ? "Processing…" : `Uploading ${Math.round(f * 100)}%`));
      const updated = await api.updateMe({ avatar_media_id: media.id });
      preview.replaceChildren(avatar(updated, 96));
      avatarStatus.textContent = "Profile photo updated.";
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
  }, "Remove photo");
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "field" }, h("label", { for: "display-name" }, "Name"), h("input", { id: "display-name", name: "display_name", maxlength: 64, value: me.displayName })),
    h("div", { class: "field" }, h("label", { for: "bio" }, "Bio"), h("textarea", { id: "bio", name: "bio", maxlength: 150, rows: 3 }, me.bio)),
    h("label", { class: "switch" }, h("input", { type: "checkbox", name: "is_private", id: "is-private", checked: me.isPrivate, role: "switch" }), h("span", {}, "Private account"), h("span", { class: "muted small" }, "Only people you approve can see your photos, videos and lists.")),
    h("button", { type: "submit", class: "button primary" }, "Save"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    const data = new FormData(form);
    try {
      await api.updateMe({ display_name: String(data.get("display_name")), bio: String(data.get("bio")), is_private: data.get("is_private") === "on" });
      toast("Profile saved.");
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
      h("h1", {}, "Edit profile"),
      h("p", { class: "small" }, h("a", { href: "/settings/security" }, "Security: email, password, log out")),
      h("div", { class: "avatar-row" }, preview, h("div", {}, h("p", { class: "strong" }, me.username), h("label", { for: "avatar-file", class: "button link" }, "Change profile photo"), avatarInput, me.avatarUrl ? removeAvatar : null, avatarStatus)),
      form,
      h("p", {}, h("a", { href: "/settings/data", "data-settings-link": "data" }, "Your data: import from Instagram, download")),
      h(
        "ul",
        { class: "settings-links", "aria-label": "Privacy and stories" },
        h("li", {}, h("a", { href: "/settings/muted", "data-settings-link": "muted" }, "Muted accounts")),
        h("li", {}, h("a", { href: "/settings/apps", "data-settings-link": "apps" }, "Apps with access to your account")),
        h("li", {}, h("a", { href: "/settings/hashtags", "data-settings-link": "hashtags" }, "Followed hashtags")),
        h("li", {}, h("a", { href: "/settings/comments", "data-settings-link": "comments" }, "Comments: hidden words, who can comment")),
        h("li", {}, h("a", { href: "/settings/close-friends", "data-settings-link": "close-friends" }, "Close friends")),
        h("li", {}, h("a", { href: "/stories/archive", "data-settings-link": "archive" }, "Story archive and highlights")),
        h("li", {}, h("a", { href: "/archive", "data-settings-link": "archived-posts" }, "Archived posts")),
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
            h("button", { type: "button", class: "button primary small", onClick: () => answer(row, u, true) }, "Confirm"),
            h("button", { type: "button", class: "button small", onClick: () => answer(row, u, false) }, "Delete"),
          ),
        );
        list.append(row);
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(list.children.length ? "" : h("p", { class: "muted center" }, "No pending follow requests."));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable("Follow requests") : errorBox(err));
      return false;
    }
  });
  async function answer(row, u, approve) {
    try {
      await (approve ? api.approveRequest(u.id) : api.rejectRequest(u.id));
      row.replaceChildren(h("span", { class: "muted" }, approve ? `${u.username} now follows you.` : `Request from ${u.username} removed.`));
    } catch (err) {
      toast(err.message, "error");
    }
  }
  ctx.onLeave(() => observer.disconnect());
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Follow requests"), list, sentinel));
}
