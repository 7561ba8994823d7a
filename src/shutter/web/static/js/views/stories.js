// Stories: the tray at the top of the feed (a green ring for close-friends stories, and
// the audience chosen when you share one) and a full-screen viewer with progress bars,
// auto-advance, tap to go back or on, seen state, the viewers of your own stories; it
// plays highlights too.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, clear, confirmDialog, errorBox, h, icon, modal, spinner, timeEl, toast, unavailable, uuid } from "../dom.js";
import { uploadFile } from "../upload.js";
import { mediaView } from "./postcard.js";
import { openReport } from "./report.js";
import { t } from "../i18n.js";

const PHOTO_MS = 5000;
// The answer when automatic screening took a new story down at once.
export const SCREENED_OUT = t("stories.screenedOut");

export function storyTray(ctx) {
  const tray = h("div", { class: "story-tray", role: "list", "aria-label": t("stories.title") });
  const add = h("input", { type: "file", accept: "image/*,video/*", class: "visually-hidden", id: "story-file", "aria-label": t("stories.add") });
  async function share(file, audience) {
    toast(t("stories.uploading"));
    try {
      const media = await uploadFile(file);
      const created = await api.createStory(media.id, audience);
      if (created.removed) toast(SCREENED_OUT);
      else toast(audience === "close_friends" ? t("stories.addedCloseFriends") : t("stories.added"));
      load();
    } catch (err) {
      toast(err.unavailable ? t("stories.unavailable") : t("stories.notPosted", { error: err.message }), err.unavailable ? "info" : "error");
    }
  }
  add.addEventListener("change", () => {
    const file = add.files[0];
    add.value = "";
    if (!file) return;
    // Who sees it: everyone who may see your stories, or your close friends (green ring).
    const choose = (audience) => () => {
      ref.close();
      share(file, audience);
    };
    const ref = modal(
      t("stories.shareTo"),
      h(
        "div",
        { class: "menu audience-choice" },
        h("button", { type: "button", class: "button primary wide", "data-audience": "everyone", onClick: choose("everyone") }, t("stories.yours")),
        h("button", { type: "button", class: "button wide close-friends-button", "data-audience": "close_friends", onClick: choose("close_friends") }, h("span", { class: "cf-dot", "aria-hidden": "true" }, "★"), " ", t("settings.closeFriends")),
        h("a", { href: "/settings/close-friends", class: "small" }, t("stories.editCloseFriends")),
      ),
    );
  });
  const me = auth.me;
  const plus = () => h("label", { for: "story-file", class: "plus", title: t("stories.add") }, h("span", { "aria-hidden": "true" }, "+"));
  // Your own bubble comes first and only once: a link to your story when you have one
  // (its "+" still adds another), otherwise the button that adds one.
  function yourBubble(own) {
    if (!own) {
      return h(
        "div",
        { class: "story-bubble own", role: "listitem" },
        h("label", { for: "story-file", class: "story-add" }, h("span", { class: "ring none" }, me ? avatar(me, 56) : null, h("span", { class: "plus", "aria-hidden": "true" }, "+")), h("span", { class: "story-name" }, t("stories.yours"))),
        add,
      );
    }
    return h(
      "div",
      { class: "story-bubble own", role: "listitem" },
      h("span", { class: "ring-wrap" }, h("a", { href: `/stories/${own.author.id}`, class: `ring${own.hasUnseen ? "" : " seen"}${own.closeFriends ? " close-friends" : ""}`, "aria-label": t("stories.yours") }, avatar(own.author, 56)), plus()),
      h("span", { class: "story-name", "aria-hidden": "true" }, t("stories.yours")),
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
    trayOrder = [...(own ? [own] : []), ...trays.filter((t) => t !== own)].map((t) => t.author.id);
    for (const t of trays) {
      if (t === own) continue;
      tray.append(
        h(
          "div",
          { class: "story-bubble", role: "listitem" },
          h("a", { href: `/stories/${t.author.id}`, class: `ring${t.hasUnseen ? "" : " seen"}${t.closeFriends ? " close-friends" : ""}`, "aria-label": `${t.author.username}'s story${t.closeFriends ? " for close friends" : ""}${t.hasUnseen ? ", unseen" : ""}` }, avatar(t.author, 56)),
          h("span", { class: "story-name", "aria-hidden": "true" }, t.author.username),
        ),
      );
    }
  }
  tray.append(yourBubble(null));
  load();
  return tray;
}

// The tray's order (user ids), so the viewer moves on to the next person's stories as
// Instagram does; the viewer asks for the tray itself when opened from a link.
let trayOrder = [];

async function nextPeople() {
  if (trayOrder.length) return trayOrder;
  try {
    const trays = await api.storyFeed();
    trays.sort((a, b) => Number(b.hasUnseen) - Number(a.hasUnseen));
    const me = auth.me && trays.find((t) => t.author.id === auth.me.id);
    trayOrder = [...(me ? [me] : []), ...trays.filter((t) => t !== me)].map((t) => t.author.id);
  } catch {
    trayOrder = [];
  }
  return trayOrder;
}

const HOLD_MS = 200; // a press longer than this pauses; a shorter one is a tap

export async function storyViewerView(ctx) {
  // A person's live stories (`/stories/{userId}`), or a highlight (`/stories/highlights/{id}`).
  const highlightId = ctx.params.highlightId || null;
  let userId = ctx.params.userId;
  let stories;
  let highlight = null;
  try {
    if (highlightId) {
      highlight = await api.highlight(highlightId);
      stories = highlight.stories;
      userId = highlight.owner.id;
    } else {
      stories = await api.userStories(userId);
    }
  } catch (err) {
    if (err.unavailable) return unavailable(t("stories.title"));
    throw err;
  }
  const back = () => (history.length > 1 ? history.back() : ctx.navigate("/"));
  if (!stories.length) {
    return h("div", { class: "empty" }, h("p", { class: "empty-title" }, t("stories.none")), h("button", { type: "button", class: "button", onClick: back }, t("stories.back")));
  }
  const order = highlight ? [] : await nextPeople();
  // Leaving this person's stories at either end goes to the neighbour in the tray, or
  // closes the viewer. The URL is replaced, so Back still returns to where you came from.
  const person = (step) => {
    const at = order.indexOf(String(userId));
    return at < 0 ? null : order[at + step] || null;
  };
  const goToPerson = (id, fromEnd) => {
    history.replaceState({ storyFromEnd: !!fromEnd }, "", `/stories/${id}`);
    window.dispatchEvent(new PopStateEvent("popstate"));
  };
  const cameFromEnd = !!history.state?.storyFromEnd;
  const firstUnseen = stories.findIndex((s) => !s.seen);
  const startAt = cameFromEnd ? stories.length - 1 : Math.max(0, firstUnseen);
  let index = startAt;
  let timer = null;
  let duration = PHOTO_MS;
  let remaining = PHOTO_MS;
  let startedAt = 0;
  const holds = new Set(); // why it is paused: "hold", "button", "reply", "dialog"
  const bars = h("div", { class: "story-bars", role: "progressbar", "aria-label": t("stories.title"), "aria-valuemin": "1", "aria-valuemax": String(stories.length) }, stories.map(() => h("span", { class: "story-bar" }, h("span", { class: "fill" }))));
  const stage = h("div", { class: "story-stage" });
  const head = h("div", { class: "story-head" });
  const foot = h("div", { class: "story-foot" });
  const own = auth.me && stories[0].author.id === auth.me.id;
  const pauseButton = h("button", { type: "button", class: "icon-button story-pause", "aria-label": t("stories.pause"), "aria-pressed": "false", onClick: () => toggle("button") }, h("span", { "aria-hidden": "true" }, "❚❚"));

  function setBars() {
    [...bars.children].forEach((bar, i) => {
      const fill = bar.firstChild;
      fill.style.transition = "none";
      fill.style.width = i < index ? "100%" : "0%";
    });
    bars.setAttribute("aria-valuenow", String(index + 1));
    bars.setAttribute("aria-valuetext", t("stories.nOfTotal", { i: index + 1, total: stories.length }));
  }
  function show(i) {
    clearTimeout(timer);
    if (i < 0) {
      const prevPerson = person(-1);
      if (prevPerson) return goToPerson(prevPerson, true);
      i = 0;
    }
    if (i >= stories.length) {
      const nextPerson = person(1);
      return nextPerson ? goToPerson(nextPerson, false) : back();
    }
    index = i;
    const story = stories[i];
    setBars();
    const report = own || highlight ? null : h("button", { type: "button", class: "button link small", onClick: () => {
      pause("dialog");
      openReport("story", story.id, "story", { onClose: () => resume("dialog") });
    } }, t("common.report"));
    const badge = story.closeFriends ? h("span", { class: "cf-badge-label" }, t("settings.closeFriends")) : null;
    const title = highlight ? h("span", { class: "highlight-name" }, highlight.title) : null;
    clear(head).append(avatar(story.author, 32), h("a", { href: `/u/${story.author.username}`, class: "user-link strong" }, story.author.username), title, timeEl(story.createdAt), badge, pauseButton, report, h("button", { type: "button", class: "icon-button", "aria-label": t("stories.close"), onClick: back }, icon("close")));
    const view = mediaView(story.media, { alt: t("stories.by", { name: story.author.username }) });
    clear(stage).append(view);
    if (highlight) {
      if (own && !foot.firstChild) foot.append(h("button", { type: "button", class: "button ghost", onClick: removeHighlight }, t("stories.deleteHighlight")));
    } else if (own) {
      clear(foot).append(h("button", { type: "button", class: "button ghost", onClick: () => showViewers(story) }, story.viewCount !== null ? t("stories.seenBy", { n: story.viewCount }) : t("stories.viewers")));
    } else if (!foot.firstChild) {
      foot.append(replyForm());
    }
    if (!highlight) api.markStorySeen(story.id).catch(() => {});
    story.seen = true;
    const video = view.querySelector("video");
    duration = video && story.media.duration ? story.media.duration * 1000 : PHOTO_MS;
    remaining = duration;
    if (video) {
      video.muted = false;
      video.loop = false;
      video.play().catch(() => {
        video.muted = true;
        video.play().catch(() => {});
      });
    }
    if (!holds.size) run();
  }
  // Fills the current bar over the time left and moves on when it is full.
  function run() {
    const fill = bars.children[index].firstChild;
    fill.style.transition = "none";
    fill.style.width = `${(100 * (duration - remaining)) / duration}%`;
    void fill.offsetWidth; // the start width takes effect before the transition
    fill.style.transition = `width ${remaining}ms linear`;
    fill.style.width = "100%";
    startedAt = Date.now();
    clearTimeout(timer);
    timer = setTimeout(() => show(index + 1), remaining);
  }
  function freeze() {
    clearTimeout(timer);
    timer = null;
    remaining = Math.max(0, remaining - (Date.now() - startedAt));
    const fill = bars.children[index].firstChild;
    fill.style.transition = "none";
    fill.style.width = `${(100 * (duration - remaining)) / duration}%`;
    const video = stage.querySelector("video");
    if (video) video.pause();
  }
  function pause(why) {
    const was = holds.size;
    holds.add(why);
    if (!was) freeze();
    syncPaused();
  }
  function resume(why) {
    if (!holds.delete(why) || holds.size) return syncPaused();
    const video = stage.querySelector("video");
    if (video) video.play().catch(() => {});
    syncPaused();
    run();
  }
  function toggle(why) {
    if (holds.has(why)) resume(why);
    else pause(why);
  }
  function syncPaused() {
    const paused = holds.size > 0;
    viewer.classList.toggle("paused", paused);
    const byButton = holds.has("button");
    pauseButton.setAttribute("aria-pressed", String(byButton));
    pauseButton.setAttribute("aria-label", byButton ? t("stories.play") : t("stories.pause"));
    pauseButton.firstChild.textContent = byButton ? "▶" : "❚❚";
  }
  function replyForm() {
    const input = h("input", { type: "text", class: "story-reply-input", maxlength: "1000", autocomplete: "off", "aria-label": t("stories.replyTo", { name: stories[0].author.username }), placeholder: t("stories.replyToPlaceholder", { name: stories[0].author.username }) });
    const send = h("button", { type: "submit", class: "story-send" }, t("common.send"));
    const form = h("form", { class: "story-reply" }, input, send);
    input.addEventListener("focus", () => pause("reply"));
    input.addEventListener("blur", () => resume("reply"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      send.disabled = true;
      try {
        await api.replyToStory(stories[index].id, text, uuid());
        input.value = "";
        toast(t("stories.replySent"));
        input.blur();
      } catch (err) {
        toast(err.unavailable ? t("stories.repliesUnavailable") : t("stories.replyNotSent", { error: err.message }), "error");
      } finally {
        send.disabled = false;
      }
    });
    return form;
  }
  async function removeHighlight() {
    pause("dialog");
    const sure = await confirmDialog(t("stories.deleteHighlightTitle"), t("stories.deleteHighlightText", { title: highlight.title }), t("common.delete"));
    if (!sure) return resume("dialog");
    try {
      await api.deleteHighlight(highlight.id);
      toast(t("stories.highlightDeleted"));
      ctx.navigate(`/u/${stories[0].author.username}`, { replace: true });
    } catch (err) {
      toast(err.message, "error");
      resume("dialog");
    }
  }
  async function showViewers(story) {
    pause("dialog");
    const body = h("div", {}, spinner());
    modal(t("stories.viewers"), body, { onClose: () => resume("dialog") });
    try {
      const viewers = await api.storyViewers(story.id);
      body.replaceChildren(viewers.length ? h("ul", { class: "user-list" }, viewers.map((u) => h("li", {}, avatar(u, 32), h("a", { href: `/u/${u.username}` }, u.username)))) : h("p", { class: "muted" }, t("stories.noViewers")));
    } catch (err) {
      body.replaceChildren(err.unavailable ? unavailable(t("stories.viewersTitle")) : errorBox(err));
    }
  }
  // Press and hold anywhere on the story pauses it (as Instagram); a short press on the
  // left or right third is a tap that goes back or on.
  let holdTimer = null;
  let held = false;
  function navButton(cls, label, step) {
    const button = h("button", { type: "button", class: `story-nav ${cls}`, "aria-label": label });
    button.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      held = false;
      clearTimeout(holdTimer);
      holdTimer = setTimeout(() => {
        held = true;
        pause("hold");
      }, HOLD_MS);
    });
    const release = () => {
      clearTimeout(holdTimer);
      if (held) resume("hold");
    };
    button.addEventListener("pointerup", release);
    button.addEventListener("pointercancel", release);
    button.addEventListener("pointerleave", release);
    button.addEventListener("contextmenu", (e) => e.preventDefault()); // a long touch
    button.addEventListener("click", () => {
      if (held) {
        held = false; // the end of a hold is not a tap
        return;
      }
      show(index + step);
    });
    return button;
  }
  const prev = navButton("prev", t("stories.previous"), -1);
  const next = navButton("next", t("stories.next"), 1);
  const onKey = (e) => {
    if (holds.has("dialog")) return;
    if (e.target instanceof HTMLInputElement) return; // typing a reply
    if (e.key === "ArrowRight") show(index + 1);
    else if (e.key === "ArrowLeft") show(index - 1);
    else if (e.key === " " && e.target === document.body) {
      e.preventDefault();
      toggle("button");
    } else if (e.key === "Escape") back();
  };
  document.addEventListener("keydown", onKey);
  ctx.onLeave(() => {
    clearTimeout(timer);
    clearTimeout(holdTimer);
    document.removeEventListener("keydown", onKey);
    document.body.classList.remove("story-open");
  });
  document.body.classList.add("story-open");
  const viewer = h("section", { class: "story-viewer", "aria-label": t("stories.title") }, h("h1", { class: "visually-hidden" }, t("stories.storiesBy", { name: stories[0].author.username })), h("div", { class: "story-card" }, bars, head, stage, prev, next, foot));
  setTimeout(() => show(startAt), 0);
  return viewer;
}
