// A post's own options: the "Edited" mark and its history, the owner's edit dialog (caption,
// content warning, alt text per photo), and the owner's menu entries (pin, archive, comments,
// like count).

import * as api from "../api.js";
import { errorBox, h, modal, timeEl, toast } from "../dom.js";
import { t, tParts } from "../i18n.js";

const ALT_MAX = 1500;
const WARNING_MAX = 500;

/** "Edited": opens the post's earlier versions, newest first. */
export function editedMark(post) {
  return h("button", { type: "button", class: "button link small edited-mark", onClick: () => openHistory(post) }, t("postopt.edited"));
}

async function openHistory(post) {
  const list = h("ol", { class: "history", "aria-label": t("postopt.earlier") });
  modal(t("postopt.history"), list);
  try {
    const versions = await api.postHistory(post.id);
    if (!versions.length) list.append(h("li", { class: "muted" }, t("postopt.noEarlier")));
    for (const v of versions) {
      const alts = Object.values(v.alt_texts || {}).filter(Boolean);
      list.append(
        h(
          "li",
          { class: "history-version" },
          h("p", { class: "muted small" }, ...tParts("postopt.until", { time: timeEl(v.replaced_at) })),
          h("p", {}, v.caption || h("span", { class: "muted" }, t("postopt.noCaption"))),
          v.location_name ? h("p", { class: "small" }, t("postopt.location", { name: v.location_name })) : null,
          v.content_warning ? h("p", { class: "small" }, t("postopt.warning", { text: v.content_warning })) : null,
          alts.length ? h("p", { class: "small" }, t("postopt.alt", { text: alts.join(" · ") })) : null,
        ),
      );
    }
  } catch (err) {
    list.replaceChildren(errorBox(err));
  }
}

/** The owner's edit dialog; `onSaved(post)` gets the post as the server now has it. */
export function openEditor(post, onSaved) {
  const caption = h("textarea", { id: "edit-caption", rows: 4, maxlength: 2200 }, post.caption);
  const warning = h("input", { id: "edit-warning", type: "text", maxlength: WARNING_MAX, value: post.contentWarning || "" });
  const alts = post.media.map((m, i) =>
    h("textarea", { id: `edit-alt-${i}`, rows: 2, maxlength: ALT_MAX, dataset: { mediaId: m.id } }, m.alt || ""),
  );
  const save = h("button", { type: "submit", class: "button primary" }, t("common.save"));
  const errors = h("div", {});
  const form = h(
    "form",
    { class: "stack post-editor" },
    h("label", { for: "edit-caption" }, t("postopt.caption")),
    caption,
    h("label", { for: "edit-warning" }, t("postopt.warningLabel")),
    warning,
    alts.map((field, i) => [h("label", { for: field.id }, t("postopt.altFor", { i: i + 1 })), field]),
    errors,
    save,
  );
  const ref = modal(t("postopt.editTitle"), form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    errors.replaceChildren();
    try {
      const altTexts = Object.fromEntries(alts.map((field) => [field.dataset.mediaId, field.value.trim()]));
      const updated = await api.editPost(post.id, {
        caption: caption.value,
        content_warning: warning.value.trim() || null,
        alt_texts: altTexts,
      });
      ref.close();
      toast(t("postopt.updated"));
      onSaved(updated);
    } catch (err) {
      errors.append(errorBox(err));
    } finally {
      save.disabled = false;
    }
  });
  caption.focus();
}

async function act(call, done, message) {
  try {
    const updated = await call();
    toast(message);
    done(updated);
  } catch (err) {
    toast(err.message, "error");
  }
}

/** The owner's menu entries; `onChange(post)` redraws with the post as it now is. */
export function ownerMenuItems(post, onChange, onArchived) {
  const reread = () => api.getPost(post.id);
  return [
    { label: t("postopt.edit"), onSelect: () => openEditor(post, onChange) },
    post.pinned
      ? { label: t("postopt.unpin"), onSelect: () => act(() => api.unpinPost(post.id).then(reread), onChange, t("postopt.unpinned")) }
      : { label: t("postopt.pin"), onSelect: () => act(() => api.pinPost(post.id).then(reread), onChange, t("postopt.pinned")) },
    post.archived
      ? { label: t("postopt.restore"), onSelect: () => act(() => api.restorePost(post.id).then(reread), onChange, t("postopt.restored")) }
      : { label: t("postopt.archive"), onSelect: () => act(() => api.archivePost(post.id).then(reread), onArchived || onChange, t("postopt.archived")) },
    {
      label: post.commentsEnabled ? t("postopt.commentsOff") : t("postopt.commentsOn"),
      onSelect: () => act(() => api.editPost(post.id, { comments_enabled: !post.commentsEnabled }), onChange, post.commentsEnabled ? t("postopt.commentsTurnedOff") : t("postopt.commentsTurnedOn")),
    },
    {
      label: post.hideLikeCount ? t("postopt.showLikes") : t("postopt.hideLikes"),
      onSelect: () => act(() => api.editPost(post.id, { hide_like_count: !post.hideLikeCount }), onChange, post.hideLikeCount ? t("postopt.likesShown") : t("postopt.likesHidden")),
    },
  ];
}
