// A place's page (/explore/locations/{id}, as Instagram's): its name, how many posts you
// may see there, and a grid of them. Places are found under Search → Places, by the
// place name on a post, and nearby (/explore/locations/nearby: the browser's position,
// or coordinates typed in when it is refused).

import * as api from "../api.js";
import { count, errorBox, h, spinner } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import { postGrid } from "./search.js";

const NEARBY_RADIUS_KM = 10;

/** Places near you: asks the browser for its position; if refused (or unavailable),
 * a latitude/longitude form does the same. */
export function nearbyView(ctx) {
  const results = h("ul", { class: "user-list", "aria-label": t("places.nearby"), "aria-live": "polite" });
  const status = h("p", { class: "muted", role: "status" });
  const field = (id, label, attrs) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, type: "number", step: "any", required: true, ...attrs }));
  const form = h(
    "form",
    { class: "nearby-form", hidden: true, "aria-label": t("places.coordinates"), onSubmit: (e) => { e.preventDefault(); const v = (n) => Number(form.elements[n].value); show(v("nearby-lat"), v("nearby-lng"), v("nearby-radius")); } },
    field("nearby-lat", t("places.latitude"), { min: -90, max: 90 }),
    field("nearby-lng", t("places.longitude"), { min: -180, max: 180 }),
    field("nearby-radius", t("places.radius"), { min: 0.1, max: 50, value: NEARBY_RADIUS_KM }),
    h("button", { type: "submit", class: "button primary" }, t("places.show")),
  );
  async function show(lat, lng, radiusKm) {
    results.replaceChildren(spinner());
    try {
      const places = await api.nearbyPlaces(lat, lng, radiusKm);
      if (!ctx.current) return;
      results.replaceChildren(...places.map(placeRow));
      status.textContent = places.length ? t("places.nearbyCount", { n: places.length }) : t("places.noneNearby");
    } catch (err) {
      results.replaceChildren(errorBox(err));
    }
  }
  function askBrowser() {
    if (!navigator.geolocation) {
      status.textContent = t("places.noGeolocation");
      form.hidden = false;
      return;
    }
    status.textContent = t("places.finding");
    navigator.geolocation.getCurrentPosition(
      (pos) => show(pos.coords.latitude, pos.coords.longitude, NEARBY_RADIUS_KM),
      () => {
        status.textContent = t("places.refused");
        form.hidden = false;
      },
      { timeout: 10000, maximumAge: 300000 },
    );
  }
  const useLocation = h("button", { type: "button", class: "button primary", onClick: askBrowser }, t("places.useLocation"));
  const typeIn = h("button", { type: "button", class: "button", onClick: () => { form.hidden = false; form.elements["nearby-lat"].focus(); } }, t("places.enterCoordinates"));
  askBrowser();
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("places.nearby")), h("p", {}, useLocation, " ", typeIn), status, form, results));
}

export function placeView(ctx) {
  const id = ctx.params.locationId;
  const title = h("h1", {}, t("places.place"));
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
    t("places.noPosts"),
    t("places.what"),
  );
  ctx.onLeave(() => observer.disconnect());
  const nearby = h("a", { href: "/explore/locations/nearby", class: "button small" }, t("places.nearbyShort"));
  return h("section", { class: "profile" }, h("header", { class: "tag-head" }, h("span", { class: "tag-icon big", "aria-hidden": "true" }, "📍"), h("div", {}, title, meta), nearby), grid, sentinel);
}

/** A search result row for a place. */
export function placeRow(place) {
  return h(
    "li",
    { class: "user-row" },
    h("a", { href: `/explore/locations/${place.id}`, class: "user-row-link" }, h("span", { class: "tag-icon", "aria-hidden": "true" }, "📍"), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, place.name), h("span", { class: "muted" }, count(place.posts, "count.posts"), place.distanceKm != null ? ` · ${t("places.km", { km: formatNumber(place.distanceKm) })}` : ""))),
  );
}
