// A place's page (/explore/locations/{id}, as Instagram's): its name, how many posts you
// may see there, and a grid of them. Places are found under Search → Places and by the
// place name on a post.

import * as api from "../api.js";
import { count, h } from "../dom.js";
import { postGrid } from "./search.js";

export function placeView(ctx) {
  const id = ctx.params.locationId;
  const title = h("h1", {}, "Place");
  const meta = h("p", { class: "muted" });
  const { grid, sentinel, observer } = postGrid(
    (cursor) =>
      api.locationPosts(id, cursor).then((page) => {
        if (page.location && ctx.current) {
          title.textContent = page.location.name;
          meta.textContent = count(page.location.posts, "post", "posts");
          document.title = `${page.location.name} · Shutter`;
        }
        return page;
      }),
    "No posts here yet.",
    "Places",
  );
  ctx.onLeave(() => observer.disconnect());
  return h("section", { class: "profile" }, h("header", { class: "tag-head" }, h("span", { class: "tag-icon big", "aria-hidden": "true" }, "📍"), h("div", {}, title, meta)), grid, sentinel);
}

/** A search result row for a place. */
export function placeRow(place) {
  return h(
    "li",
    { class: "user-row" },
    h("a", { href: `/explore/locations/${place.id}`, class: "user-row-link" }, h("span", { class: "tag-icon", "aria-hidden": "true" }, "📍"), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, place.name), h("span", { class: "muted" }, count(place.posts, "post", "posts")))),
  );
}
