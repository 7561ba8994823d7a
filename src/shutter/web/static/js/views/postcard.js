// A post as a card (feed, post page) and as a grid tile (profiles, hashtags, explore).

import * as api from "../api.js";
import { auth } from "../api.js";
import { placeholderCanvas } from "../blurhash.js";
import { avatar, confirmDialog, count, errorBox, h, icon, menuButton, modal, richText, timeEl, toast, userLink } from "../dom.js";
import { editedMark, ownerMenuItems } from "./postoptions.js";
import { t } from "../i18n.js";

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

/**
 * srcset for a square grid tile. A variant fills a square as wide as its shorter side
 * (object-fit: cover crops the rest), so each is described by that side: the 150 px
 * thumb (square), then 320/640/1080 wide, never more than the photo itself.
 */
export const TILE_SIZES = "(max-width: 767px) 34vw, 310px";
function tileSrcset(media) {
  if (media.type !== "image" || !media.width || !media.height) return null;
  const shorter = (w) => Math.round(Math.min(w, media.width) * Math.min(1, media.height / media.width));
  const entries = [
    [media.urls.thumb, Math.min(150, media.width, media.height)],
    [media.urls.small, shorter(320)],
    [media.urls.medium, shorter(640)],
    [media.urls.large, shorter(1080)],
  ];
  const urls = new Set();
  const widths = new Set();
  const out = [];
  for (const [url, w] of entries) {
    if (!url || urls.has(url) || widths.has(w)) continue;
    urls.add(url);
    widths.add(w);
    out.push(`${url} ${w}w`);
  }
  return out.length > 1 ? out.join(", ") : null;
}

/** Width / height clamped to what a feed shows (4:5 … 1.91:1, as Instagram). */
export function frameRatio(media) {
  const ratio = media.width && media.height ? media.width / media.height : 1;
  return Math.max(0.8, Math.min(1.91, ratio));
}

// `eager`: the first post of a screen; its photo is wanted at once, before any other
// (the page's boot script may have preloaded it with this srcset and sizes already).
export function mediaView(media, { alt, sizes = "(max-width: 640px) 100vw, 600px", tile = false, ratio = frameRatio(media), eager = false } = {}) {
  const frame = h("div", {
    class: `media-frame${tile ? " tile-frame" : ""}`,
    style: tile ? {} : { aspectRatio: String(ratio) },
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
    srcset: tile ? tileSrcset(media) : srcset(media.urls),
    sizes: tile ? TILE_SIZES : sizes,
    alt,
    loading: eager ? "eager" : "lazy",
    fetchpriority: eager ? "high" : undefined,
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

// The author's alt text; without one, say what it is and whose, never the caption.
function altFor(post, i) {
  if (post.media[i].alt) return post.media[i].alt; // the author's own description
  const params = { name: post.author.username, i: i + 1, total: post.media.length };
  const kind = post.media[i].type === "video" ? "video" : "photo";
  const key = { photo: ["post.photoBy", "post.photoByOf"], video: ["post.videoBy", "post.videoByOf"] }[kind][post.media.length > 1 ? 1 : 0];
  return t(key, params);
}

/**
 * One photo, or a carousel: every slide takes the first photo's shape (as Instagram), so
 * mixed shapes leave no gap. Arrows (buttons), the arrow keys and swipes move it; the dots
 * under it show where you are.
 */
function carousel(post, eager) {
  if (post.media.length === 1) return mediaView(post.media[0], { alt: altFor(post, 0), eager });
  const ratio = frameRatio(post.media[0]);
  const n = post.media.length;
  const slides = post.media.map((m, i) =>
    h("div", { class: "carousel-slide", role: "group", "aria-roledescription": "slide", "aria-label": `${i + 1} of ${n}` }, mediaView(m, { alt: altFor(post, i), ratio, eager: eager && i === 0 })),
  );
  // The track scrolls (swipes), so it takes the keyboard focus itself (arrow keys).
  const track = h("div", { class: "carousel-track", tabindex: "0" }, slides);
  const dots = h("div", { class: "carousel-dots", "aria-hidden": "true" }, post.media.map((_, i) => h("span", { class: i === 0 ? "dot on" : "dot" })));
  const status = h("span", { class: "visually-hidden", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "carousel-arrow prev", "aria-label": t("post.previousPhoto"), hidden: true, onClick: () => go(-1) }, "‹");
  const next = h("button", { type: "button", class: "carousel-arrow next", "aria-label": t("post.nextPhoto"), onClick: () => go(1) }, "›");
  function paint(i) {
    [...dots.children].forEach((d, j) => d.classList.toggle("on", i === j));
    prev.hidden = i === 0;
    next.hidden = i === n - 1;
    const said = t("post.photoOf", { i: i + 1, total: n });
    if (status.textContent !== said) status.textContent = said;
    if (document.activeElement === prev || document.activeElement === next) {
      if (document.activeElement.hidden) track.focus(); // the arrow pressed has gone
    }
  }
  // The dots follow the scroll (a swipe, or an arrow's animation). A key pressed while an
  // arrow's animation runs goes on from where that one is going, not from where it passes.
  let target = null;
  const here = () => Math.round(track.scrollLeft / track.clientWidth);
  function go(delta) {
    const animating = target !== null;
    target = Math.max(0, Math.min(n - 1, (animating ? target : here()) + delta));
    // (A second smooth scroll started while one runs can stop short: jump instead.)
    const smooth = !animating && !matchMedia("(prefers-reduced-motion: reduce)").matches;
    track.scrollTo({ left: target * track.clientWidth, behavior: smooth ? "smooth" : "auto" });
  }
  track.addEventListener("scroll", () => {
    paint(here());
    if (target !== null && Math.abs(track.scrollLeft - target * track.clientWidth) < 2) target = null;
  }, { passive: true });
  // A finger or a wheel takes over from the animation.
  for (const type of ["touchstart", "wheel", "pointerdown"]) {
    track.addEventListener(type, () => (target = null), { passive: true });
  }
  paint(0);
  const box = h(
    "div",
    { class: "carousel", role: "region", "aria-roledescription": "carousel", "aria-label": t("post.photosBy", { n, name: post.author.username }) },
    h("div", { class: "carousel-stage" }, track, prev, next),
    dots,
    status,
  );
  box.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      go(e.key === "ArrowRight" ? 1 : -1);
    }
  });
  return box;
}

/** Likes or unlikes with the count updated at once, and put back if the server says no. */
async function setLiked(post, liked, onChange) {
  if (post.liked === liked) return;
  post.liked = liked;
  post.likes += liked ? 1 : -1;
  onChange();
  try {
    await (liked ? api.like(post.id) : api.unlike(post.id));
  } catch (err) {
    post.liked = !liked;
    post.likes += liked ? -1 : 1;
    onChange();
    toast(err.unavailable ? t("post.likesUnavailable") : err.message, err.unavailable ? "info" : "error");
  }
}

/** Saves or unsaves at once, and puts the state back if the server says no. */
async function setSaved(post, saved, onChange) {
  if (post.saved === saved) return;
  post.saved = saved;
  onChange();
  try {
    await (saved ? api.save(post.id) : api.unsave(post.id));
    toast(saved ? t("save.saved") : t("save.removed"));
  } catch (err) {
    post.saved = !saved;
    onChange();
    toast(err.message, "error");
  }
}

/** The bookmark: saves the post to "All saved" (filled when saved). */
export function saveButton(post, onChange) {
  const button = h("button", { type: "button", class: "icon-button save" });
  const paint = () => {
    button.replaceChildren(icon(post.saved ? "bookmarkFilled" : "bookmark"));
    button.setAttribute("aria-pressed", String(post.saved));
    button.setAttribute("aria-label", post.saved ? t("save.remove") : t("common.save"));
    button.classList.toggle("on", post.saved);
  };
  paint();
  button.addEventListener("click", () => {
    if (!auth.me) return toast(t("save.logIn"));
    setSaved(post, !post.saved, () => {
      paint();
      onChange();
    });
  });
  return { button, paint };
}

/**
 * The save menu's "Save to collection": your collections, each a switch (in it or not),
 * and a field to make a new one with the post in it. Adding saves the post too.
 */
export async function openCollectionPicker(post, onChange = () => {}) {
  const list = h("ul", { class: "collection-picker" });
  const name = h("input", { type: "text", maxlength: "100", placeholder: t("save.newCollection"), "aria-label": t("save.newCollectionName"), id: "new-collection-name" });
  const create = h("button", { type: "submit", class: "button primary small" }, t("save.create"));
  const form = h("form", { class: "collection-new" }, name, create);
  const body = h("div", {}, list, form);
  const ref = modal(t("save.toCollection"), body);
  function row(c) {
    const toggle = h("button", { type: "button", class: "button small", "aria-pressed": String(!!c.hasPost) }, c.hasPost ? t("common.remove") : t("save.add"));
    const item = h("li", { class: "collection-row", dataset: { collectionId: c.id } },
      c.coverUrl ? h("img", { src: c.coverUrl, alt: "", class: "collection-thumb" }) : h("span", { class: "collection-thumb empty-thumb", "aria-hidden": "true" }),
      h("span", { class: "collection-name" }, c.name),
      toggle,
    );
    toggle.setAttribute("aria-label", t(c.hasPost ? "save.removeFrom" : "save.addTo", { name: c.name }));
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        if (c.hasPost) {
          await api.removeFromCollection(c.id, post.id);
          c.hasPost = false;
          toast(t("save.removedFrom", { name: c.name }));
        } else {
          await api.addToCollection(c.id, post.id);
          c.hasPost = true;
          post.saved = true;
          toast(t("save.savedTo", { name: c.name }));
        }
        item.replaceWith(row(c));
        onChange();
      } catch (err) {
        toast(err.message, "error");
      } finally {
        toggle.disabled = false;
      }
    });
    return item;
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = name.value.trim();
    if (!value) return name.focus();
    create.disabled = true;
    try {
      const c = await api.createCollection(value);
      await api.addToCollection(c.id, post.id);
      c.hasPost = true;
      post.saved = true;
      const empty = list.querySelector(".muted");
      if (empty) empty.remove();
      list.prepend(row(c));
      name.value = "";
      toast(t("save.savedTo", { name: c.name }));
      onChange();
    } catch (err) {
      toast(err.message, "error");
    } finally {
      create.disabled = false;
    }
  });
  try {
    const page = await api.collections(null, post.id);
    if (!page.items.length) list.append(h("li", { class: "muted" }, t("save.noCollections")));
    page.items.forEach((c) => list.append(row(c)));
  } catch (err) {
    list.replaceChildren(errorBox(err));
  }
  return ref;
}

export function likeButton(post, onChange) {
  const button = h("button", { type: "button", class: "icon-button like", "aria-pressed": String(post.liked), "aria-label": t("post.like") }, icon("heart"));
  button.addEventListener("click", () => setLiked(post, !post.liked, onChange));
  return button;
}

/** Double-tap (or double-click) on the photo likes it, with a heart over the photo. */
function doubleTapToLike(media, post, onChange) {
  let lastTap = 0;
  let pointer = "mouse";
  const burst = () => {
    const heart = h("span", { class: "heart-burst", "aria-hidden": "true" }, icon("heart"));
    heart.addEventListener("animationend", () => heart.remove());
    media.append(heart);
    if (auth.me) setLiked(post, true, onChange);
    else toast(t("post.logInToLike"));
  };
  media.addEventListener("dblclick", (e) => {
    // A double tap is the taps' own (below): Chromium fires dblclick for it too, Safari
    // does not, so it would show two hearts in one browser and none in the other.
    if (pointer === "touch" || e.target.closest("button, video")) return;
    e.preventDefault();
    burst();
  });
  media.addEventListener("pointerdown", (e) => (pointer = e.pointerType), { passive: true });
  // Touch screens: two taps within 300 ms (a phone's dblclick is not reliable).
  media.addEventListener("pointerup", (e) => {
    if (e.pointerType !== "touch" || e.target.closest("button, video")) return;
    if (e.timeStamp - lastTap < 300) {
      lastTap = 0;
      burst();
    } else lastTap = e.timeStamp;
  });
}

/** A caption clamped to two lines with a "more" button, when it is longer than that. */
function clampedCaption(post) {
  const text = h("span", { class: "caption-text" }, userLink(post.author, { class: "user-link strong" }), " ", richText(post.caption));
  const more = h("button", { type: "button", class: "caption-more", hidden: true }, t("post.more"), h("span", { class: "visually-hidden" }, t("post.moreOfCaption")));
  const caption = h("div", { class: "caption clamped" }, text, more);
  more.addEventListener("click", () => {
    caption.classList.remove("clamped");
    more.remove();
    observer.disconnect();
  });
  // Measured once laid out (and again on resize): only a caption that overflows gets "more".
  const observer = new ResizeObserver(() => {
    if (caption.classList.contains("clamped")) more.hidden = text.scrollHeight <= text.clientHeight + 1;
  });
  observer.observe(text);
  return caption;
}

export function postCard(post, { onDeleted, onChanged, full = false, eager = false } = {}) {
  const card = h("article", { class: "card post", dataset: { postId: post.id }, "aria-label": t("shared.postBy", { name: post.author.username }) });
  const isMine = auth.me && auth.me.id === post.author.id;
  const likes = h("p", { class: "likes", "aria-live": "polite" });
  const buttons = h("div", { class: "post-actions" });
  const like = likeButton(post, () => paint());
  const paint = () => {
    if (post.likesHidden) likes.textContent = t("post.likedByOthers");
    else likes.textContent = post.likes ? count(post.likes, "count.likes") : t("post.beFirst");
    like.setAttribute("aria-pressed", String(post.liked));
    like.classList.toggle("on", post.liked);
  };
  const saver = saveButton(post, () => {});
  buttons.append(
    like,
    h("a", { href: `/p/${post.id}`, class: "icon-button", "aria-label": t("post.comment") }, icon("comment")),
    h("a", { href: `/direct?share=${post.id}`, class: "icon-button", "aria-label": t("post.share") }, icon("send")),
    h("span", { class: "post-actions-gap" }),
    saver.button,
  );
  paint();
  const link = `${location.origin}/p/${post.id}`;
  const menuItems = [
    { label: t("post.goTo"), onSelect: () => window.shutter.navigate(`/p/${post.id}`) },
    {
      label: t("post.copyLink"),
      onSelect: async () => {
        try {
          await navigator.clipboard.writeText(link);
          toast(t("post.linkCopied"));
        } catch {
          toast(t("post.copyThis", { link }));
        }
      },
    },
  ];
  if (auth.me) {
    menuItems.push({ label: t("save.toCollectionMenu"), onSelect: () => openCollectionPicker(post, saver.paint) });
  }
  if (isMine) {
    // Redrawn in place with the post as the server now has it.
    const redraw = (updated) => {
      card.replaceWith(postCard(updated, { onDeleted, onChanged, full }));
      if (onChanged) onChanged(updated);
    };
    menuItems.push(...ownerMenuItems(post, redraw));
    menuItems.push({
      label: t("common.delete"),
      danger: true,
      onSelect: async () => {
        if (!(await confirmDialog(t("post.deleteTitle"), t("post.deleteText"), t("common.delete")))) return;
        try {
          await api.deletePost(post.id);
          card.remove();
          toast(t("post.deleted"));
          if (onDeleted) onDeleted(post);
        } catch (err) {
          toast(err.message, "error");
        }
      },
    });
  }
  // report.js loads when it is chosen: it is not needed to draw a feed.
  if (!isMine && auth.me) menuItems.push({ label: t("common.report"), danger: true, onSelect: () => import("./report.js").then((m) => m.openReport("post", post.id, "post")) });
  const header = h(
    "header",
    { class: "post-head" },
    h("a", { href: `/u/${post.author.username}`, class: "post-author", tabindex: "-1", "aria-hidden": "true" }, avatar(post.author, 32)),
    post.pinned ? h("span", { class: "pin-mark", role: "img", "aria-label": t("post.pinnedPost"), title: t("post.pinned") }, "📌") : null,
    post.archived ? h("span", { class: "archived-mark muted small" }, t("post.archived")) : null,
    h("div", { class: "post-who" }, userLink(post.author, { class: "user-link strong" }), post.location ? (post.locationId ? h("a", { class: "post-location", href: `/explore/locations/${post.locationId}` }, post.location) : h("span", { class: "post-location" }, post.location)) : null),
    menuButton(t("post.moreOptions"), menuItems),
  );
  const caption = !post.caption
    ? null
    : full
      ? h("p", { class: "caption" }, userLink(post.author, { class: "user-link strong" }), " ", richText(post.caption))
      : clampedCaption(post);
  const comments = !full && post.commentCount ? h("a", { href: `/p/${post.id}`, class: "muted comments-link" }, t("post.viewAll", { comments: count(post.commentCount, "count.comments") })) : null;
  const media = h("div", { class: "post-media" }, carousel(post, eager));
  if (post.sensitive || post.contentWarning) {
    // Blurred at once; the cover and its buttons come with sensitive.js, which a page
    // load does not wait for (one request fewer before the first post and its photo).
    media.classList.add("sensitive");
    import("./sensitive.js").then((m) => {
      media.classList.remove("sensitive");
      m.coverSensitive(media, post.contentWarning);
    });
  }
  doubleTapToLike(media, post, paint);
  card.append(
    header,
    media,
    h("div", { class: "post-body" }, buttons, likes, caption, comments, h("p", { class: "post-time-row" }, h("a", { href: `/p/${post.id}`, class: "post-time muted" }, timeEl(post.createdAt)), post.editedAt ? [" · ", editedMark(post)] : null)),
  );
  return card;
}

export function postTile(post) {
  const first = post.media[0];
  return h(
    "a",
    { href: `/p/${post.id}`, class: "tile", "aria-label": post.caption ? t("post.tileCaption", { name: post.author.username, caption: post.caption.slice(0, 80) }) : t("shared.postBy", { name: post.author.username }) },
    first ? mediaView(first, { alt: first.alt || "", tile: true }) : h("div", { class: "tile-frame no-hash" }),
    post.pinned ? h("span", { class: "tile-pin", role: "img", "aria-label": t("post.pinned") }, "📌") : null,
    post.media.length > 1 ? h("span", { class: "tile-badge", "aria-hidden": "true" }, "❐") : null,
  );
}
