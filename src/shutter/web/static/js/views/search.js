// Search (people, hashtags, places and posts), hashtag pages and explore.

import * as api from "../api.js";
import { avatar, count, errorBox, h, infiniteScroll, spinner, unavailable } from "../dom.js";
import { t } from "../i18n.js";
import { hashtagFollowButton } from "./hashtags.js";
import { placeRow } from "./places.js";
import { postTile } from "./postcard.js";

export function searchView(ctx) {
  let type = ["hashtags", "locations", "posts"].includes(ctx.query.get("type")) ? ctx.query.get("type") : "users";
  const input = h("input", { type: "search", id: "search-q", name: "q", placeholder: t("nav.search"), autocomplete: "off", value: ctx.query.get("q") || "", "aria-label": t("search.label") });
  const results = h("ul", { class: "user-list search-results", "aria-live": "polite" });
  // Posts: a grid of tiles linking to the posts, scrolled page by page.
  const postResults = h("section", { class: "search-posts", "aria-label": t("search.postsFound") });
  let postObserver = null;
  const nearby = h("p", { class: "center", hidden: type !== "locations" }, h("a", { href: "/explore/locations/nearby", class: "button" }, t("places.nearbyShort")));
  const tab = (value, label) => h("button", { type: "button", role: "tab", class: "tab", "aria-selected": String(type === value), dataset: { type: value }, onClick: () => { type = value; paintTabs(); run(); } }, label);
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": t("search.for") }, tab("users", t("search.people")), tab("hashtags", t("search.tags")), tab("locations", t("search.places")), tab("posts", t("search.posts")));
  const paintTabs = () => {
    tabs.querySelectorAll(".tab").forEach((el) => el.setAttribute("aria-selected", String(el.dataset.type === type)));
    nearby.hidden = type !== "locations";
  };

  function runPosts(q) {
    results.replaceChildren();
    if (postObserver) postObserver.disconnect();
    postObserver = null;
    if (!q) {
      postResults.replaceChildren();
      return;
    }
    const { grid, sentinel, observer } = postGrid((c) => api.searchPosts(q, c), t("search.noPosts"), t("search.postSearchWhat"));
    postObserver = observer;
    postResults.replaceChildren(grid, sentinel);
  }
  let timer = null;
  let seq = 0;

  async function run() {
    const q = input.value.trim();
    history.replaceState(null, "", q ? `/search?q=${encodeURIComponent(q)}&type=${type}` : "/search");
    const mine = ++seq;
    if (type === "posts") {
      runPosts(q);
      return;
    }
    runPosts("");
    if (!q) {
      results.replaceChildren();
      return;
    }
    results.replaceChildren(spinner());
    try {
      const items = await api.search(q.replace(/^[#@]/, ""), type);
      if (mine !== seq) return;
      results.replaceChildren(
        ...items.map((it) =>
          type === "locations"
            ? placeRow(it)
            : type === "users"
            ? h("li", { class: "user-row" }, h("a", { href: `/u/${it.username}`, class: "user-row-link" }, avatar(it, 44), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, it.username), h("span", { class: "muted" }, it.displayName))))
            : h("li", { class: "user-row" }, h("a", { href: `/tags/${encodeURIComponent(it.name)}`, class: "user-row-link" }, h("span", { class: "tag-icon", "aria-hidden": "true" }, "#"), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, `#${it.name}`), it.posts !== null ? h("span", { class: "muted" }, count(it.posts, "count.posts")) : null))),
        ),
      );
      if (!items.length) results.append(h("li", { class: "muted center" }, t("search.noResults")));
    } catch (err) {
      if (mine !== seq) return;
      if (err.unavailable && type === "users") {
        // No search endpoint yet: fall back to an exact username lookup.
        try {
          const u = await api.userByName(q.replace(/^@/, ""));
          results.replaceChildren(h("li", { class: "user-row" }, h("a", { href: `/u/${u.username}`, class: "user-row-link" }, avatar(u, 44), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, u.username), h("span", { class: "muted" }, u.displayName)))));
        } catch {
          results.replaceChildren(h("li", { class: "muted center" }, t("search.noExact")));
        }
        return;
      }
      results.replaceChildren(err.unavailable ? unavailable(t("search.tagWhat")) : errorBox(err));
    }
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  ctx.onLeave(() => {
    clearTimeout(timer);
    if (postObserver) postObserver.disconnect();
  });
  if (input.value) run();
  setTimeout(() => input.focus(), 0);
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("nav.search")), input, tabs, nearby, results), postResults);
}

export function postGrid(loader, emptyText, what) {
  const grid = h("div", { class: "grid" });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  const shown = new Set();
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await loader(cursor);
      for (const p of page.items) {
        if (shown.has(p.id)) continue;
        shown.add(p.id);
        grid.append(postTile(p));
      }
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(grid.children.length ? "" : h("p", { class: "muted center" }, emptyText));
      return !!cursor;
    } catch (err) {
      if (err.code === "cursor_expired") {
        cursor = null; // the scroll's snapshot is gone: carry on from a new one, skipping what is shown
        return true;
      }
      sentinel.replaceChildren(err.unavailable ? unavailable(what) : errorBox(err));
      return false;
    }
  });
  return { grid, sentinel, observer };
}

export function hashtagView(ctx) {
  const tag = ctx.params.tag.replace(/^#/, "").toLowerCase();
  const head = h("header", { class: "tag-head" }, h("span", { class: "tag-icon big", "aria-hidden": "true" }, "#"), h("h1", {}, `#${tag}`));
  const loader = async (c) => {
    const page = await api.hashtagPosts(tag, c);
    // The first page's header says whether you follow the tag: the button comes with it.
    if (!c && page.hashtag && api.auth.token && !head.querySelector(".follow")) head.append(hashtagFollowButton(page.hashtag.name, page.hashtag.following));
    return page;
  };
  const { grid, sentinel, observer } = postGrid(loader, t("search.noTagPosts"), t("search.hashtagWhat"));
  ctx.onLeave(() => observer.disconnect());
  return h("section", { class: "profile" }, head, grid, sentinel);
}

export function exploreView(ctx) {
  const { grid, sentinel, observer } = postGrid((c) => api.explore(c), t("search.noExplore"), t("search.exploreWhat"));
  ctx.onLeave(() => observer.disconnect());
  const hint = api.auth.token
    ? t("search.exploreHint")
    : t("search.exploreHintVisitor");
  return h("section", { class: "profile explore" }, h("h1", { class: "page-title" }, t("nav.explore")), h("p", { class: "muted explore-hint" }, hint), grid, sentinel);
}
