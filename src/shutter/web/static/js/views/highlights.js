// The story archive (every story you shared, expired ones included), highlights made from
// it, and the row of highlights on a profile. A highlight plays in the story viewer
// (stories.js, `/stories/highlights/{id}`).

import * as api from "../api.js";
import { errorBox, h, infiniteScroll, spinner, toast, unavailable } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { mediaView } from "./postcard.js";

/** /stories/archive: pick stories, name the highlight, create it. */
export async function archiveView(ctx) {
  const grid = h("div", { class: "grid archive-grid", role: "group", "aria-label": t("highlights.archiveLabel") });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  const chosen = [];
  const title = h("input", { id: "highlight-title", name: "title", maxlength: 50, required: true, placeholder: t("highlights.namePlaceholder"), autocomplete: "off" });
  const create = h("button", { type: "submit", class: "button primary", disabled: true }, t("highlights.create"));
  const picked = h("p", { class: "muted small", "aria-live": "polite" }, t("highlights.choose"));
  const form = h("form", { class: "form highlight-form" }, h("div", { class: "field" }, h("label", { for: "highlight-title" }, t("highlights.new")), title), picked, create);
  const paint = () => {
    create.disabled = !chosen.length || !title.value.trim();
    picked.textContent = chosen.length ? t("highlights.selected", { n: chosen.length }) : t("highlights.choose");
  };
  title.addEventListener("input", paint);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    create.disabled = true;
    try {
      const made = await api.createHighlight(title.value.trim(), chosen);
      toast(t("highlights.created", { title: made.title }));
      ctx.navigate(`/u/${api.auth.me.username}`);
    } catch (err) {
      form.append(errorBox(err));
      paint();
    }
  });
  function tile(story) {
    const date = formatDate(story.createdAt);
    const label = t(story.media ? (story.closeFriends ? "highlights.storyOfCf" : "highlights.storyOf") : story.closeFriends ? "highlights.storyOfCfGone" : "highlights.storyOfGone", { date });
    const button = h(
      "button",
      { type: "button", class: `tile archive-tile${story.closeFriends ? " close-friends" : ""}`, "aria-pressed": "false", "aria-label": label, disabled: !story.media, "data-story-id": story.id },
      story.media ? mediaView(story.media, { alt: "", tile: true }) : h("div", { class: "tile-frame no-hash" }, h("span", { class: "muted small" }, t("highlights.expired"))),
      story.closeFriends ? h("span", { class: "tile-badge cf-badge", "aria-hidden": "true" }, "★") : null,
    );
    button.addEventListener("click", () => {
      const at = chosen.indexOf(story.id);
      if (at >= 0) chosen.splice(at, 1);
      else chosen.push(story.id);
      button.setAttribute("aria-pressed", String(at < 0));
      paint();
    });
    return button;
  }
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await api.storyArchive(cursor);
      page.items.forEach((s) => grid.append(tile(s)));
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(grid.children.length ? "" : h("p", { class: "muted center" }, t("highlights.empty")));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(err.unavailable ? unavailable(t("highlights.archiveWhat")) : errorBox(err));
      return false;
    }
  });
  ctx.onLeave(() => observer.disconnect());
  return h("section", { class: "archive" }, h("h1", {}, t("highlights.archiveTitle")), h("p", { class: "muted small" }, t("highlights.onlyYou")), form, grid, sentinel);
}

/** The highlights row of a profile (empty and hidden when there are none to show). */
export function highlightsRow(user, isMe) {
  const row = h("ul", { class: "highlights", "aria-label": t("highlights.row") });
  (async () => {
    let found;
    try {
      found = await api.highlights(user.id);
    } catch {
      row.hidden = true; // private, blocked or not available: the grid says why
      return;
    }
    for (const item of found) {
      row.append(
        h(
          "li",
          { class: "highlight" },
          h(
            "a",
            { href: `/stories/highlights/${item.id}`, class: "highlight-link", "aria-label": t("highlights.item", { title: item.title }) },
            h("span", { class: "highlight-cover" }, item.cover ? mediaView(item.cover, { alt: "", tile: true }) : null),
            h("span", { class: "highlight-title" }, item.title),
          ),
        ),
      );
    }
    if (isMe) {
      row.append(h("li", { class: "highlight" }, h("a", { href: "/stories/archive", class: "highlight-link", "aria-label": t("highlights.newFromArchive") }, h("span", { class: "highlight-cover new" }, "+"), h("span", { class: "highlight-title" }, t("highlights.newShort")))));
    }
    row.hidden = !row.children.length;
  })();
  return row;
}
