// A post shared in a direct message: a card with its picture and author (as Instagram),
// and the preview above the message box while you are about to send one.

import * as api from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/** The link the message text carries when a post is sent without words of its own. */
export const postLink = (id) => `${location.origin}/p/${id}`;

// A message that is only a link to a post here (as older clients sent them).
const BARE_LINK = /^https?:\/\/([^/\s]+)\/p\/(\d+)\/?$/;
export function linkedPostId(text) {
  const m = BARE_LINK.exec((text || "").trim());
  return m && m[1] === location.host ? m[2] : null;
}

/** The card inside a message bubble. `post`: {id, available, thumbUrl, author}. */
export function sharedPostCard(post) {
  if (!post.available) return h("span", { class: "msg-ref muted" }, t("shared.unavailable"));
  const who = post.author ? post.author.username : null;
  return h(
    "a",
    { href: `/p/${post.id}`, class: "msg-post", "aria-label": who ? t("shared.postBy", { name: who }) : t("shared.post") },
    post.thumbUrl ? h("img", { src: post.thumbUrl, alt: "", width: 150, height: 150, loading: "lazy" }) : h("span", { class: "msg-post-blank", "aria-hidden": "true" }),
    h("span", { class: "msg-post-by", "aria-hidden": "true" }, who || t("shared.postShort")),
  );
}

/** The post about to be sent, with a button to leave it out; fills itself in. */
export function sharePreview(postId, onRemove) {
  const info = { id: postId, available: true, thumbUrl: null, author: null };
  const card = h("div", { class: "share-preview" }, h("span", { class: "muted" }, t("shared.sending")));
  const remove = h("button", { type: "button", class: "button link small", onClick: onRemove }, t("common.remove"));
  api
    .getPost(postId)
    .then((p) => {
      info.thumbUrl = p.media[0] ? p.media[0].urls.thumb : null;
      info.author = p.author;
      card.replaceChildren(sharedPostCard(info), remove);
    })
    .catch(() => card.replaceChildren(h("span", { class: "muted" }, t("shared.cannot")), remove));
  card.append(remove);
  return { el: card, info };
}
