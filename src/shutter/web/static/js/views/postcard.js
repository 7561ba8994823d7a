// A post as a card (feed, post page) and as a grid tile (profiles, hashtags, explore).

import * as api from "../api.js";
import { auth } from "../api.js";
import { placeholderCanvas } from "../blurhash.js";
import { avatar, count, h, icon, richText, timeEl, toast, userLink } from "../dom.js";

/** srcset from the variants; identical URLs (no variants yet) collapse to one. */
function srcset(urls) {
  const entries = [
    [urls.small, 320],
    [urls.medium, 640],
    [urls.large, 1080],
  ];
  const seen = new Set();
  const out = [];
  for (const [url, w] of entries) {
    if (!url || seen.has(url)) continue;
    seen.add(url);
    out.push(`${url} ${w}w`);
  }
  return out.length > 1 ? out.join(", ") : null;
}

export function mediaView(media, { alt, sizes = "(max-width: 640px) 100vw, 600px", tile = false } = {}) {
  const ratio = media.width && media.height ? media.width / media.height : 1;
  const frame = h("div", {
    class: `media-frame${tile ? " tile-frame" : ""}`,
    style: tile ? {} : { aspectRatio: String(Math.max(0.8, Math.min(1.91, ratio))) },
  });
  const placeholder = media.blurhash ? placeholderCanvas(media.blurhash) : null;
  if (placeholder) frame.append(placeholder);
  else frame.classList.add("no-hash");
  if (media.type === "video" && !tile) {
    const video = h("video", {
      class: "media",
      src: media.urls.video,
      poster: media.posterUrl || undefined,
      controls: true,
      playsinline: true,
      muted: true,
      loop: true,
      preload: "metadata",
      "aria-label": alt,
    });
    video.addEventListener("loadeddata", () => frame.classList.add("loaded"));
    frame.append(video);
    return frame;
  }
  const img = h("img", {
    class: "media",
    src: tile ? media.posterUrl || media.urls.thumb : media.urls.medium,
    srcset: tile ? null : srcset(media.urls),
    sizes: tile ? null : sizes,
    alt,
    loading: "lazy",
    decoding: "async",
    width: media.width || undefined,
    height: media.height || undefined,
  });
  const loaded = () => frame.classList.add("loaded");
  img.addEventListener("load", loaded);
  img.addEventListener("error", () => frame.classList.add("broken"));
  if (img.complete && img.naturalWidth) loaded();
  frame.append(img);
  if (media.type === "video" && tile) frame.append(h("span", { class: "tile-badge", "aria-hidden": "true" }, "▶"));
  return frame;
}

function altFor(post, i) {
  const who = post.author.username;
  const what = post.caption ? `: ${post.caption.slice(0, 120)}` : "";
  const which = post.media.length > 1 ? ` (${i + 1} of ${post.media.length})` : "";
  return `${post.media[i].type === "video" ? "Video" : "Photo"} by ${who}${which}${what}`;
}

function carousel(post) {
  if (post.media.length === 1) return mediaView(post.media[0], { alt: altFor(post, 0) });
  const track = h("div", { class: "carousel-track" }, post.media.map((m, i) => h("div", { class: "carousel-slide" }, mediaView(m, { alt: altFor(post, i) }))));
  const dots = h("div", { class: "carousel-dots", "aria-hidden": "true" }, post.media.map((_, i) => h("span", { class: i === 0 ? "on" : "" })));
  track.addEventListener("scroll", () => {
    const i = Math.round(track.scrollLeft / track.clientWidth);
    [...dots.children].forEach((d, j) => d.classList.toggle("on", i === j));
  }, { passive: true });
  return h("div", { class: "carousel" }, track, dots);
}

export function likeButton(post, onChange) {
  const button = h("button", { type: "button", class: "icon-button like", "aria-pressed": String(post.liked), "aria-label": post.liked ? "Unlike" : "Like" }, icon("heart"));
  button.addEventListener("click", async () => {
    const was = post.liked;
    post.liked = !was;
    post.likes += was ? -1 : 1;
    onChange();
    try {
      await (was ? api.unlike(post.id) : api.like(post.id));
    } catch (err) {
      post.liked = was;
      post.likes += was ? 1 : -1;
      onChange();
      toast(err.unavailable ? "Likes are not available yet." : err.message, err.unavailable ? "info" : "error");
    }
  });
  return button;
}

export function postCard(post, { onDeleted, full = false } = {}) {
  const card = h("article", { class: "card post", dataset: { postId: post.id }, "aria-label": `Post by ${post.author.username}` });
  const isMine = auth.me && auth.me.id === post.author.id;
  const likes = h("p", { class: "likes" });
  const buttons = h("div", { class: "post-actions" });
  const paint = () => {
    likes.textContent = post.likes ? count(post.likes, "like", "likes") : "Be the first to like this";
    buttons.replaceChildren(
      likeButton(post, paint),
      h("a", { href: `/p/${post.id}`, class: "icon-button", "aria-label": "Comment" }, icon("comment")),
      h("a", { href: `/direct?share=${post.id}`, class: "icon-button", "aria-label": "Share" }, icon("send")),
    );
    const b = buttons.querySelector(".like");
    b.classList.toggle("on", post.liked);
  };
  paint();
  const header = h(
    "header",
    { class: "post-head" },
    h("a", { href: `/u/${post.author.username}`, class: "post-author", tabindex: "-1", "aria-hidden": "true" }, avatar(post.author, 32)),
    h("div", { class: "post-who" }, userLink(post.author, { class: "user-link strong" }), post.location ? h("span", { class: "post-location" }, post.location) : null),
    isMine
      ? h("button", {
          type: "button",
          class: "icon-button",
          "aria-label": "Delete post",
          title: "Delete post",
          onClick: async () => {
            if (!confirm("Delete this post?")) return;
            try {
              await api.deletePost(post.id);
              card.remove();
              toast("Post deleted.");
              if (onDeleted) onDeleted(post);
            } catch (err) {
              toast(err.message, "error");
            }
          },
        }, icon("close"))
      : null,
  );
  const caption = post.caption ? h("p", { class: "caption" }, userLink(post.author, { class: "user-link strong" }), " ", richText(post.caption)) : null;
  const comments = !full && post.commentCount ? h("a", { href: `/p/${post.id}`, class: "muted comments-link" }, `View all ${count(post.commentCount, "comment", "comments")}`) : null;
  card.append(
    header,
    carousel(post),
    h("div", { class: "post-body" }, buttons, likes, caption, comments, h("a", { href: `/p/${post.id}`, class: "post-time muted" }, timeEl(post.createdAt))),
  );
  return card;
}

export function postTile(post) {
  const first = post.media[0];
  return h(
    "a",
    { href: `/p/${post.id}`, class: "tile", "aria-label": `Post by ${post.author.username}${post.caption ? ": " + post.caption.slice(0, 80) : ""}` },
    first ? mediaView(first, { alt: "", tile: true }) : h("div", { class: "tile-frame no-hash" }),
    post.media.length > 1 ? h("span", { class: "tile-badge", "aria-hidden": "true" }, "❐") : null,
  );
}
