// A place's page (/explore/locations/{id}, as Instagram's): its name, how many posts you
// may see there, and a grid of them. Places are found under Search → Places, by the
// place name on a post, and nearby (/explore/locations/nearby: the browser's position,
// or coordinates typed in when it is refused).

import * as api from "../api.js";
import { count, errorBox, h, spinner } from "../dom.js";
import { postGrid } from "./search.js";

const NEARBY_RADIUS_KM = 10;

/** Places near you: asks the browser for its position; if refused (or unavailable),
 * a latitude/longitude form does the same. */
export function nearbyView(ctx) {
  const results = h("ul", { class: "user-list", "aria-label": "Places nearby", "aria-live": "polite" });
  const status = h("p", { class: "muted", role: "status" });
  const field = (id, label, attrs) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, type: "number", step: "any", required: true, ...attrs }));
  const form = h(
    "form",
    { class: "nearby-form", hidden: true, "aria-label": "Coordinates", onSubmit: (e) => { e.preventDefault(); const v = (n) => Number(form.elements[n].value); show(v("nearby-lat"), v("nearby-lng"), v("nearby-radius")); } },
    field("nearby-lat", "Latitude", { min: -90, max: 90 }),
    field("nearby-lng", "Longitude", { min: -180, max: 180 }),
    field("nearby-radius", "Radius (km)", { min: 0.1, max: 50, value: NEARBY_RADIUS_KM }),
    h("button", { type: "submit", class: "button primary" }, "Show places"),
  );
  async function show(lat, lng, radiusKm) {
    results.replaceChildren(spinner());
    try {
      const places = await api.nearbyPlaces(lat, lng, radiusKm);
      if (!ctx.current) return;
      results.replaceChildren(...places.map(placeRow));
      status.textContent = places.length ? count(places.length, "count.places") + " nearby" : "No places nearby.";
    } catch (err) {
      results.replaceChildren(errorBox(err));
    }
  }
  function askBrowser() {
    if (!navigator.geolocation) {
      status.textContent = "Your browser cannot tell where you are: enter coordinates.";
      form.hidden = false;
      return;
    }
    status.textContent = "Finding where you are…";
    navigator.geolocation.getCurrentPosition(
      (pos) => show(pos.coords.latitude, pos.coords.longitude, NEARBY_RADIUS_KM),
      () => {
        status.textContent = "Location not shared: enter coordinates instead.";
        form.hidden = false;
      },
      { timeout: 10000, maximumAge: 300000 },
    );
  }
  const useLocation = h("button", { type: "button", class: "button primary", onClick: askBrowser }, "Use my location");
  const typeIn = h("button", { type: "button", class: "button", onClick: () => { form.hidden = false; form.elements["nearby-lat"].focus(); } }, "Enter coordinates");
  askBrowser();
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Places nearby"), h("p", {}, useLocation, " ", typeIn), status, form, results));
}

export function placeView(ctx) {
  const id = ctx.params.locationId;
  const title = h("h1", {}, "Place");
  const meta = h("p", { class: "muted" });
  const { grid, sentinel, observer } = postGrid(
    (cursor) =>
      api.locationPosts(id, cursor).then((page) => {
        if (page.location && ctx.current) {
          title.textContent = page.location.name;
          meta.textContent = count(page.location.posts, "count.posts");
          document.title = `${page.location.name} · Shutter`;
        }
        return page;
      }),
    "No posts here yet.",
    "Places",
  );
  ctx.onLeave(() => observer.disconnect());
  const nearby = h("a", { href: "/explore/locations/nearby", class: "button small" }, "Nearby");
  return h("section", { class: "profile" }, h("header", { class: "tag-head" }, h("span", { class: "tag-icon big", "aria-hidden": "true" }, "📍"), h("div", {}, title, meta), nearby), grid, sentinel);
}

/** A search result row for a place. */
export function placeRow(place) {
  return h(
    "li",
    { class: "user-row" },
    h("a", { href: `/explore/locations/${place.id}`, class: "user-row-link" }, h("span", { class: "tag-icon", "aria-hidden": "true" }, "📍"), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, place.name), h("span", { class: "muted" }, count(place.posts, "count.posts"), place.distanceKm != null ? ` · ${place.distanceKm} km` : ""))),
  );
}
