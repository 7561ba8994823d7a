// One post: the card, its comments with one level of replies (each with a heart and its
// count; the post's author pins and deletes from a comment's menu), and the comment form.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, errorBox, h, icon, menuButton, richText, spinner, timeEl, toast, unavailable, userLink } from "../dom.js";
import { postCard } from "./postcard.js";
import { openReport } from "./report.js";
import { t, tParts } from "../i18n.js";

export async function postView(ctx) {
  const post = await api.getPost(ctx.params.postId);
  const thread = h("ul", { class: "comments", "aria-label": t("comments.title") });
  const more = h("div", { class: "comments-more" });
  let replyTo = null;
  const replyNote = h("div", { class: "reply-note", hidden: true });
  const text = h("input", { id: "comment-text", name: "text", placeholder: t("comments.addPlaceholder"), autocomplete: "off", maxlength: 2200, "aria-label": t("comments.add") });
  const sendButton = h("button", { type: "submit", class: "button link" }, t("comments.post"));
  const form = h("form", { class: "comment-form" }, replyNote, text, sendButton);
  const byId = new Map();

  // The heart and its count (beside it, so that the button's name is its own): a toggle
  // for people signed in, the count alone otherwise.
  function commentLike(c) {
    const shown = h("span", { class: "comment-like-count" }, c.likes ? String(c.likes) : "");
    if (!auth.me) {
      if (!c.likes) return null;
      const words = h("span", { class: "visually-hidden" }, c.likes === 1 ? " like" : " likes");
      return h("span", { class: "comment-like" }, icon("heart"), shown, words);
    }
    const button = h("button", { type: "button", class: "icon-button like", "aria-label": t("comments.like", { name: c.author.username }) }, icon("heart"));
    const paint = () => {
      shown.textContent = c.likes ? String(c.likes) : "";
      button.setAttribute("aria-pressed", String(c.liked));
      button.classList.toggle("on", c.liked);
    };
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const state = c.liked ? await api.unlikeComment(c.id) : await api.likeComment(c.id);
        c.liked = !!state.liked;
        c.likes = state.like_count ?? c.likes;
        paint();
      } catch (err) {
        toast(err.message, "error");
      } finally {
        button.disabled = false;
      }
    });
    paint();
    return h("div", { class: "comment-like" }, button, shown);
  }

  async function removeComment(c, li) {
    try {
      await api.deleteComment(c.id);
      li.remove();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function setPinned(c, pinned) {
    try {
      await (pinned ? api.pinComment(c.id) : api.unpinComment(c.id));
      reloadComments();
    } catch (err) {
      toast(err.message, "error");
    }
  }

  function commentItem(c) {
    const mine = auth.me && c.author.id === auth.me.id;
    const postMine = auth.me && post.author.id === auth.me.id;
    const replies = h("ul", { class: "replies" });
    const li = h(
      "li",
      { class: `comment${c.hidden ? " comment-hidden" : ""}${c.pinned ? " comment-pinned" : ""}`, dataset: { commentId: c.id } },
      avatar(c.author, 28),
      h(
        "div",
        { class: "comment-main" },
        h("p", {}, userLink(c.author, { class: "user-link strong" }), " ", richText(c.text)),
        h(
          "div",
          { class: "comment-meta muted" },
          c.pinned ? h("span", { class: "pinned-mark" }, t("post.pinned")) : null,
          timeEl(c.createdAt),
          // Your comment filter hid it: only you and its author see it.
          c.hidden ? h("span", { class: "hidden-mark", title: t("comments.hiddenTitle") }, t("comments.hidden")) : null,
          auth.me && !c.parentId ? h("button", { type: "button", class: "button link small", onClick: () => startReply(c) }, t("comments.reply")) : null,
          auth.me && !mine ? h("button", { type: "button", class: "button link small", onClick: () => openReport("comment", c.id, "comment") }, t("common.report")) : null,
          // The post's author: pin (top-level comments) and delete anyone's, from a menu.
          postMine
            ? menuButton(t("comments.options", { name: c.author.username }), [
                ...(c.parentId ? [] : [{ label: c.pinned ? t("comments.unpin") : t("comments.pin"), onSelect: () => setPinned(c, !c.pinned) }]),
                { label: t("common.delete"), danger: true, onSelect: () => removeComment(c, li) },
              ])
            : mine
              ? h("button", { type: "button", class: "button link small danger", onClick: () => removeComment(c, li) }, t("common.delete"))
              : null,
        ),
        replies,
      ),
      commentLike(c),
    );
    byId.set(c.id, replies);
    for (const r of c.replies) place(r);
    // Replies are not in the page of comments: "View N replies" fetches them.
    if (!c.parentId && c.replyCount > c.replies.length) {
      let cursor = null;
      const shown = () => replies.querySelectorAll(":scope > .comment").length;
      const label = () => {
        const left = Math.max(0, c.replyCount - shown());
        return t("comments.viewReplies", { n: left });
      };
      const button = h("button", { type: "button", class: "button link small view-replies" }, label());
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const page = await api.replies(c.id, cursor);
          page.items.forEach((r) => place({ ...r, parentId: c.id }));
          cursor = page.next;
          if (cursor) button.textContent = label();
          else button.remove();
        } catch (err) {
          toast(err.message, "error");
        } finally {
          button.disabled = false;
        }
      });
      replies.after(button);
    }
    return li;
  }

  const placed = new Set(); // a reply you just wrote is not shown again when replies load
  function place(c) {
    if (placed.has(c.id)) return;
    placed.add(c.id);
    const parent = c.parentId && byId.get(c.parentId);
    (parent || thread).append(commentItem(c));
  }

  function startReply(c) {
    replyTo = c;
    replyNote.hidden = false;
    replyNote.replaceChildren(t("comments.replyingTo", { name: c.author.username }), " ", h("button", { type: "button", class: "button link small", onClick: cancelReply }, t("common.cancel")));
    text.value = `@${c.author.username} `;
    text.focus();
  }
  function cancelReply() {
    replyTo = null;
    replyNote.hidden = true;
  }

  let cursor = null;
  let available = true;
  function reloadComments() {
    thread.replaceChildren();
    placed.clear();
    byId.clear();
    cursor = null;
    return loadComments();
  }
  async function loadComments() {
    more.replaceChildren(spinner());
    try {
      const page = await api.comments(post.id, cursor);
      page.items.forEach(place);
      cursor = page.next;
      more.replaceChildren(cursor ? h("button", { type: "button", class: "button link", onClick: loadComments }, t("comments.loadMore")) : "");
      if (!thread.children.length) more.replaceChildren(h("p", { class: "muted" }, t("comments.none")));
    } catch (err) {
      if (err.unavailable) {
        available = false;
        form.hidden = true;
        more.replaceChildren(unavailable(t("comments.title")));
      } else more.replaceChildren(errorBox(err));
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value || !available) return;
    sendButton.disabled = true;
    try {
      const c = await api.addComment(post.id, value, replyTo ? replyTo.id : null);
      if (!c.parentId && replyTo) c.parentId = replyTo.id;
      if (!c.author.username && auth.me) c.author = auth.me;
      if (thread.querySelector(".muted")) more.replaceChildren();
      place(c);
      text.value = "";
      cancelReply();
    } catch (err) {
      toast(err.unavailable ? t("comments.unavailable") : err.message, "error");
    } finally {
      sendButton.disabled = false;
    }
  });

  loadComments();
  const card = postCard(post, {
    full: true,
    onDeleted: () => ctx.navigate(`/u/${post.author.username}`),
    onChanged: () => ctx.navigate(`/p/${post.id}`, { replace: true }), // with its comments
  });
  const commentBox = !post.commentsEnabled
    ? h("p", { class: "muted comments-off" }, t("comments.off"))
    : auth.me
      ? form
      : h("p", { class: "muted" }, ...tParts("comments.logIn", { link: h("a", { href: "/login" }, t("nav.login")) }));
  card.querySelector(".post-body").append(thread, more, commentBox);
  return h("section", { class: "post-page" }, h("h1", { class: "visually-hidden" }, t("shared.postBy", { name: post.author.username })), card);
}
