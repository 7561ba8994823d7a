// Stories: the tray at the top of the feed and a full-screen viewer with progress bars,
// auto-advance, tap to go back or on, seen state, and the viewers of your own stories.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, clear, errorBox, h, icon, modal, spinner, timeEl, toast, unavailable } from "../dom.js";
import { uploadFile } from "../upload.js";
import { mediaView } from "./postcard.js";
import { openReport } from "./report.js";

const PHOTO_MS = 5000;

export function storyTray(ctx) {
  const tray = h("div", { class: "story-tray", role: "list", "aria-label": "Stories" });
  const add = h("input", { type: "file", accept: "image/*,video/*", class: "visually-hidden", id: "story-file", "aria-label": "Add to your story" });
  add.addEventListener("change", async () => {
    const file = add.files[0];
    if (!file) return;
    toast("Uploading your story…");
    try {
      const media = await uploadFile(file);
      await api.createStory(media.id);
      toast("Added to your story.");
      load();
    } catch (err) {
      toast(err.unavailable ? "Stories are not available yet." : `Story not posted: ${err.message}`, err.unavailable ? "info" : "error");
    }
    add.value = "";
  });
  const me = auth.me;
  const plus = () => h("label", { for: "story-file", class: "plus", title: "Add to your story" }, h("span", { "aria-hidden": "true" }, "+"));
  // Your own bubble comes first and only once: a link to your story when you have one
  // (its "+" still adds another), otherwise the button that adds one.
  function yourBubble(own) {
    if (!own) {
      return h(
        "div",
        { class: "story-bubble own", role: "listitem" },
        h("label", { for: "story-file", class: "story-add" }, h("span", { class: "ring none" }, me ? avatar(me, 56) : null, h("span", { class: "plus", "aria-hidden": "true" }, "+")), h("span", { class: "story-name" }, "Your story")),
        add,
      );
    }
    return h(
      "div",
      { class: "story-bubble own", role: "listitem" },
      h("span", { class: "ring-wrap" }, h("a", { href: `/stories/${own.author.id}`, class: `ring${own.hasUnseen ? "" : " seen"}`, "aria-label": "Your story" }, avatar(own.author, 56)), plus()),
      h("span", { class: "story-name", "aria-hidden": "true" }, "Your story"),
      add,
    );
  }
  async function load() {
    let trays;
    try {
      trays = await api.storyFeed();
    } catch (err) {
      if (err.unavailable) tray.hidden = true; // no stories on this server yet
      return;
    }
    if (!ctx.current) return;
    const own = me && trays.find((t) => t.author.id === me.id);
    tray.replaceChildren(yourBubble(own));
    trays.sort((a, b) => Number(b.hasUnseen) - Number(a.hasUnseen));
    for (const t of trays) {
      if (t === own) continue;
      tray.append(
        h(
          "div",
          { class: "story-bubble", role: "listitem" },
          h("a", { href: `/stories/${t.author.id}`, class: `ring${t.hasUnseen ? "" : " seen"}`, "aria-label": `${t.author.username}'s story${t.hasUnseen ? ", unseen" : ""}` }, avatar(t.author, 56)),
          h("span", { class: "story-name", "aria-hidden": "true" }, t.author.username),
        ),
      );
    }
  }
  tray.append(yourBubble(null));
  load();
  return tray;
}

export async function storyViewerView(ctx) {
  const userId = ctx.params.userId;
  let stories;
  try {
    stories = await api.userStories(userId);
  } catch (err) {
    if (err.unavailable) return unavailable("Stories");
    throw err;
  }
  const back = () => (history.length > 1 ? history.back() : ctx.navigate("/"));
  if (!stories.length) {
    return h("div", { class: "empty" }, h("p", { class: "empty-title" }, "No stories right now"), h("button", { type: "button", class: "button", onClick: back }, "Back"));
  }
  const startAt = Math.max(0, stories.findIndex((s) => !s.seen));
  let index = startAt;
  let timer = null;
  let startedAt = 0;
  let paused = false;
  const bars = h("div", { class: "story-bars" }, stories.map(() => h("span", { class: "story-bar" }, h("span", { class: "fill" }))));
  const stage = h("div", { class: "story-stage" });
  const head = h("div", { class: "story-head" });
  const foot = h("div", { class: "story-foot" });
  const own = auth.me && stories[0].author.id === auth.me.id;

  function setBars() {
    [...bars.children].forEach((bar, i) => {
      const fill = bar.firstChild;
      fill.style.transition = "none";
      fill.style.width = i < index ? "100%" : "0%";
    });
  }
  function show(i) {
    clearTimeout(timer);
    if (i < 0) i = 0;
    if (i >= stories.length) return back();
    index = i;
    const story = stories[i];
    setBars();
    clear(head).append(avatar(story.author, 32), h("a", { href: `/u/${story.author.username}`, class: "user-link strong" }, story.author.username), timeEl(story.createdAt), own ? null : h("button", { type: "button", class: "button link small", onClick: () => {
      clearTimeout(timer);
      openReport("story", story.id, "story");
    } }, "Report"), h("button", { type: "button", class: "icon-button", "aria-label": "Close stories", onClick: back }, icon("close")));
    const view = mediaView(story.media, { alt: `Story by ${story.author.username}` });
    clear(stage).append(view);
    clear(foot);
    if (own) {
      foot.append(h("button", { type: "button", class: "button ghost", onClick: () => showViewers(story) }, story.viewCount !== null ? `Seen by ${story.viewCount}` : "Viewers"));
    }
    api.markStorySeen(story.id).catch(() => {});
    story.seen = true;
    const video = view.querySelector("video");
    const duration = video && story.media.duration ? story.media.duration * 1000 : PHOTO_MS;
    if (video) {
      video.muted = false;
      video.loop = false;
      video.play().catch(() => {
        video.muted = true;
        video.play().catch(() => {});
      });
    }
    run(duration);
  }
  function run(duration) {
    const fill = bars.children[index].firstChild;
    requestAnimationFrame(() => {
      fill.style.transition = `width ${duration}ms linear`;
      fill.style.width = "100%";
    });
    startedAt = Date.now();
    timer = setTimeout(() => show(index + 1), duration);
  }
  async function showViewers(story) {
    paused = true;
    clearTimeout(timer);
    const body = h("div", {}, spinner());
    modal("Viewers", body, { onClose: () => { paused = false; show(index); } });
    try {
      const viewers = await api.storyViewers(story.id);
      body.replaceChildren(viewers.length ? h("ul", { class: "user-list" }, viewers.map((u) => h("li", {}, avatar(u, 32), h("a", { href: `/u/${u.username}` }, u.username)))) : h("p", { class: "muted" }, "No one has seen this story yet."));
    } catch (err) {
      body.replaceChildren(err.unavailable ? unavailable("Story viewers") : errorBox(err));
    }
  }
  const prev = h("button", { type: "button", class: "story-nav prev", "aria-label": "Previous story", onClick: () => show(index - 1) });
  const next = h("button", { type: "button", class: "story-nav next", "aria-label": "Next story", onClick: () => show(index + 1) });
  const onKey = (e) => {
    if (e.key === "ArrowRight") show(index + 1);
    else if (e.key === "ArrowLeft") show(index - 1);
    else if (e.key === "Escape" && !paused) back();
  };
  document.addEventListener("keydown", onKey);
  ctx.onLeave(() => {
    clearTimeout(timer);
    document.removeEventListener("keydown", onKey);
    document.body.classList.remove("story-open");
  });
  document.body.classList.add("story-open");
  const viewer = h("section", { class: "story-viewer", "aria-label": "Stories", "data-started": String(startedAt) }, h("h1", { class: "visually-hidden" }, "Stories"), h("div", { class: "story-card" }, bars, head, stage, prev, next, foot));
  setTimeout(() => show(startAt), 0);
  return viewer;
}
