// Reels: video posts one screen each, in a full-height list that snaps from one to the
// next. The reel in view plays muted (an IntersectionObserver) and the others pause; a
// tap on the video, or its "Unmute" / "Mute" button, turns the sound on or off for every
// reel. The next page loads when the reader is two reels from the end, so the scroll
// goes on for as long as the server has reels. With prefers-reduced-motion nothing plays
// by itself: each reel has a "Play" button.

import * as api from "../api.js";
import { count, errorBox, h, icon, richText, spinner, userLink } from "../dom.js";
import { t } from "../i18n.js";
import { likeButton } from "./postcard.js";
import { coverSensitive } from "./sensitive.js";

const PAGE_SIZE = 5;
const IN_VIEW = 0.6; // the share of a reel on screen from which it is "the one in view"
const LOAD_AHEAD = 2; // reels left below the one in view when the next page is asked for

export function reelsView(ctx) {
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const list = h("ol", { class: "reels-list", "aria-label": t("nav.reels"), tabindex: "0" });
  const end = h("li", { class: "reels-end" });
  const shown = new Set();
  const reels = [];
  let muted = true;
  let cursor = null;
  let more = true;
  let loading = null;

  const setMuted = (value) => {
    muted = value;
    for (const reel of reels) reel.paintSound();
  };

  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const reel = reels.find((r) => r.node === entry.target);
        if (!reel) continue;
        if (entry.intersectionRatio >= IN_VIEW) {
          reel.node.classList.add("current");
          if (!reduced) reel.play();
          if (reels.indexOf(reel) >= reels.length - 1 - LOAD_AHEAD) loadMore();
        } else {
          reel.node.classList.remove("current");
          reel.pause();
        }
      }
    },
    { root: list, threshold: [0, IN_VIEW] },
  );

  async function loadMore() {
    if (loading || !more) return loading;
    loading = (async () => {
      end.replaceChildren(spinner());
      try {
        const page = await api.reels(cursor, PAGE_SIZE);
        if (!ctx.current) return;
        for (const post of page.items) {
          if (shown.has(post.id) || !post.media.length || post.media[0].type !== "video") continue;
          shown.add(post.id);
          const reel = reelItem(post, { reduced, isMuted: () => muted, setMuted });
          reels.push(reel);
          end.before(reel.node);
          observer.observe(reel.node);
        }
        // Something above the list (a banner) pushes its foot off screen: bring it up whole.
        if (!cursor && list.getBoundingClientRect().bottom > innerHeight) list.scrollIntoView({ block: "start" });
        cursor = page.next;
        more = !!cursor;
        end.replaceChildren();
        if (!more) {
          end.classList.add("done");
          end.replaceChildren(h("p", { class: "muted center" }, reels.length ? t("reels.caughtUp") : t("reels.none")));
        }
      } catch (err) {
        end.replaceChildren(errorBox(err));
        end.classList.add("done");
        more = false;
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  ctx.onLeave(() => {
    observer.disconnect();
    for (const reel of reels) reel.pause();
  });
  list.append(end);
  loadMore();
  return h("section", { class: "reels" }, h("h1", { class: "visually-hidden" }, t("nav.reels")), list);
}

/** One reel: the video, and over it the author, caption, like and sound buttons. */
function reelItem(post, { reduced, isMuted, setMuted }) {
  const media = post.media[0];
  const video = h("video", { class: "reel-video", poster: media.posterUrl || undefined, preload: "metadata", "aria-label": t("post.videoBy", { name: post.author.username }) });
  video.muted = true;
  video.defaultMuted = true;
  video.loop = true;
  video.playsInline = true;
  video.src = media.urls.video || media.urls.original;
  const stage = h("div", { class: "reel-stage" }, video);
  if (post.sensitive) coverSensitive(stage);

  const sound = h("button", { type: "button", class: "icon-button reel-sound" });
  const paintSound = () => {
    video.muted = isMuted();
    sound.setAttribute("aria-label", isMuted() ? t("reels.unmute") : t("reels.mute"));
    sound.setAttribute("aria-pressed", String(!isMuted()));
    sound.replaceChildren(icon(isMuted() ? "volumeOff" : "volumeOn"));
  };
  sound.addEventListener("click", () => setMuted(!isMuted()));
  video.addEventListener("click", () => setMuted(!isMuted()));

  const playButton = reduced ? h("button", { type: "button", class: "icon-button reel-play" }) : null;
  const paintPlay = () => {
    if (!playButton) return;
    playButton.setAttribute("aria-label", video.paused ? t("reels.play") : t("reels.pause"));
    playButton.setAttribute("aria-pressed", String(!video.paused));
    playButton.replaceChildren(icon(video.paused ? "play" : "pause"));
  };
  if (playButton) {
    playButton.addEventListener("click", () => (video.paused ? start() : video.pause()));
    video.addEventListener("play", paintPlay);
    video.addEventListener("pause", paintPlay);
  }

  function start() {
    if (stage.classList.contains("sensitive")) return; // behind its cover until revealed
    video.play().catch(() => {}); // refused (no autoplay allowed, left the page): stays paused
  }

  const likes = h("span", { class: "reel-likes", "aria-live": "polite" });
  const like = likeButton(post, () => paintLikes());
  const paintLikes = () => {
    likes.textContent = count(post.likes, "count.likes");
    like.setAttribute("aria-pressed", String(post.liked));
    like.classList.toggle("on", post.liked);
  };

  const node = h(
    "li",
    { class: "reel", dataset: { postId: post.id } },
    stage,
    h(
      "div",
      { class: "reel-info" },
      h("p", { class: "reel-author strong" }, userLink(post.author)),
      post.caption ? h("p", { class: "reel-caption" }, richText(post.caption)) : null,
      h("a", { href: `/p/${post.id}`, class: "reel-link" }, t("reels.openPost")),
    ),
    h("div", { class: "reel-actions" }, like, likes, playButton, sound),
  );
  paintSound();
  paintPlay();
  paintLikes();
  return {
    node,
    paintSound,
    play: start,
    pause: () => video.pause(),
  };
}
