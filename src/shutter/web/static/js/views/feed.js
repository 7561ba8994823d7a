// The home feed: the stories tray, the chronological / ranked switch and infinite scroll.

import * as api from "../api.js";
import { errorBox, h, infiniteScroll, spinner } from "../dom.js";
import { postCard } from "./postcard.js";
import { t } from "../i18n.js";

const MODE_KEY = "shutter.feedMode";
const MODE_COOKIE = "shutter_feed_mode"; // web/api.py's FEED_MODE_COOKIE

export function feedView(ctx) {
  let mode = ctx.query.get("mode") || localStorage.getItem(MODE_KEY) || "chronological";
  if (!["chronological", "ranked"].includes(mode)) mode = "chronological";
  const list = h("div", { class: "feed-list", "aria-live": "polite" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let observer = null;

  const tab = (value, label) =>
    h("button", { type: "button", role: "tab", class: "tab", "aria-selected": String(mode === value), dataset: { mode: value }, onClick: () => start(value) }, label);
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": t("feed.order") }, tab("chronological", t("feed.latest")), tab("ranked", t("feed.forYou")));

  function start(newMode) {
    mode = newMode;
    localStorage.setItem(MODE_KEY, mode);
    // The server reads it from here to put the right first page in the home page.
    document.cookie = `${MODE_COOKIE}=${mode}; path=/; max-age=31536000; samesite=lax`;
    tabs.querySelectorAll(".tab").forEach((t) => t.setAttribute("aria-selected", String(t.dataset.mode === mode)));
    list.replaceChildren();
    if (observer) observer.disconnect();
    sentinel.replaceChildren(spinner());
    let cursor = null;
    let first = true;
    let seen = new Set();
    const load = async () => {
      let page;
      try {
        page = await (cursor ? api.feed(mode, cursor) : api.firstFeedPage(mode));
      } catch (err) {
        if (err.code === "cursor_expired") {
          start(mode); // the ranked snapshot is gone: start again from the top
          return false;
        }
        if (first) list.replaceChildren(); // the boot script's cards
        sentinel.replaceChildren(errorBox(err), h("button", { type: "button", class: "button", onClick: () => start(mode) }, t("common.tryAgain")));
        return false;
      }
      if (first) list.replaceChildren(); // the boot script's cards, replaced at once
      for (const post of page.items) {
        if (seen.has(post.id)) continue;
        seen.add(post.id);
        list.append(postCard(post, { eager: first && !list.childElementCount }));
      }
      cursor = page.next;
      if (first && !page.items.length) {
        const suggestions = h("div");
        sentinel.replaceChildren(
          h("div", { class: "empty" }, h("p", { class: "empty-title" }, t("feed.welcome")), h("p", {}, t("feed.welcomeText")), h("p", {}, h("a", { class: "button primary", href: "/explore" }, t("feed.findPeople")), " ", h("a", { class: "button", href: "/new" }, t("feed.createPost")))),
          suggestions,
        );
        import("./suggested.js").then((m) => suggestions.replaceWith(m.suggestedAccounts()), () => suggestions.remove());
        return false;
      }
      first = false;
      if (!cursor) {
        sentinel.replaceChildren(h("p", { class: "muted center end-of-feed" }, t("feed.caughtUp")));
        return false;
      }
      return true;
    };
    observer = infiniteScroll(sentinel, load);
  }

  ctx.onLeave(() => observer && observer.disconnect());
  // The stories tray (stories.js, with the viewer and the upload) loads after the feed's
  // own modules: a first visit on a slow network shows the posts without waiting for it.
  const tray = h("div", { class: "story-tray-slot", "aria-hidden": "true" });
  import("./stories.js").then((m) => ctx.current && tray.replaceWith(m.storyTray(ctx)), () => tray.remove());
  const view = h("section", { class: "feed" }, h("h1", { class: "visually-hidden" }, t("nav.home")), tray, tabs, list, sentinel);
  start(mode);
  // The first posts the page's boot script drew (index.html) stay in their place until
  // the first page's own cards replace them: nothing blinks or moves.
  list.append(...document.querySelectorAll("#main .boot-feed .post"));
  return view;
}
