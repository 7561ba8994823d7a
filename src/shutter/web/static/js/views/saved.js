// Saved: "All saved" and your private collections (from your profile). A collection's
// page renames, deletes and takes posts out of it; a post's menu adds it to one.

import * as api from "../api.js";
import { confirmDialog, count, errorBox, h, icon, infiniteScroll, modal, spinner, toast } from "../dom.js";
import { t } from "../i18n.js";
import { postTile } from "./postcard.js";

function collectionCard(c) {
  return h(
    "li",
    { class: "collection-card", dataset: { collectionId: c.id } },
    h(
      "a",
      { href: `/saved/${c.id}`, class: "collection-link" },
      c.coverUrl ? h("img", { src: c.coverUrl, alt: "", class: "collection-cover" }) : h("span", { class: "collection-cover empty-thumb", "aria-hidden": "true" }, icon("bookmark")),
      h("span", { class: "collection-name strong" }, c.name),
      h("span", { class: "muted small" }, count(c.posts, "count.posts")),
    ),
  );
}

/** Asks for a collection's name; resolves to it, or null when cancelled. */
function nameDialog(title, initial, action) {
  return new Promise((resolve) => {
    let answer = null;
    const input = h("input", { type: "text", maxlength: "100", value: initial, id: "collection-name", required: true });
    const ok = h("button", { type: "submit", class: "button primary" }, action);
    const form = h("form", { class: "stack" }, h("label", { for: "collection-name" }, t("saved.name")), input, ok);
    const ref = modal(title, form, { onClose: () => resolve(answer) });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return input.focus();
      answer = value;
      ref.close();
    });
    input.focus();
    input.select();
  });
}

function emptyState(text) {
  return h("div", { class: "empty" }, icon("bookmark"), h("p", { class: "empty-title" }, text));
}

export function postGrid(label, load, emptyText, decorate = (tile) => tile) {
  const grid = h("div", { class: "grid", role: "group", "aria-label": label });
  const sentinel = h("div", { class: "sentinel" }, spinner());
  let cursor = null;
  const observer = infiniteScroll(sentinel, async () => {
    try {
      const page = await load(cursor);
      page.items.forEach((p) => grid.append(decorate(postTile(p), p)));
      cursor = page.next;
      if (!cursor) sentinel.replaceChildren(grid.children.length ? "" : emptyState(emptyText));
      return !!cursor;
    } catch (err) {
      sentinel.replaceChildren(errorBox(err));
      return false;
    }
  });
  return { grid, sentinel, observer };
}

export async function savedView(ctx) {
  const list = h("ul", { class: "collections", "aria-label": t("saved.collections") });
  const newButton = h("button", { type: "button", class: "button" }, t("save.newCollection"));
  newButton.addEventListener("click", async () => {
    const name = await nameDialog(t("save.newCollection"), "", t("save.create"));
    if (!name) return;
    try {
      const c = await api.createCollection(name);
      list.prepend(collectionCard(c));
      toast(t("saved.created", { name: c.name }));
    } catch (err) {
      toast(err.message, "error");
    }
  });
  let cursor = null;
  do {
    const page = await api.collections(cursor);
    page.items.forEach((c) => list.append(collectionCard(c)));
    cursor = page.next;
  } while (cursor);
  const all = postGrid(t("saved.all"), (c) => api.savedPosts(c), t("saved.nothing"));
  ctx.onLeave(() => all.observer.disconnect());
  return h(
    "section",
    { class: "saved" },
    h("header", { class: "saved-head" }, h("h1", {}, t("profile.saved")), newButton),
    h("p", { class: "muted small" }, t("saved.onlyYou")),
    list,
    h("h2", { class: "saved-all" }, t("saved.all")),
    all.grid,
    all.sentinel,
  );
}

export async function collectionView(ctx) {
  const first = await api.collection(ctx.params.collectionId);
  const c = first.collection;
  const title = h("h1", {}, c.name);
  const rename = h("button", { type: "button", class: "button" }, t("saved.rename"));
  rename.addEventListener("click", async () => {
    const name = await nameDialog(t("saved.renameTitle"), c.name, t("common.save"));
    if (!name || name === c.name) return;
    try {
      const updated = await api.updateCollection(c.id, { name });
      c.name = updated.name;
      title.textContent = c.name;
      for (const button of document.querySelectorAll(".tile-remove")) button.setAttribute("aria-label", t("save.removeFrom", { name: c.name }));
      toast(t("saved.renamed"));
    } catch (err) {
      toast(err.message, "error");
    }
  });
  const remove = h("button", { type: "button", class: "button danger" }, t("saved.delete"));
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog(t("saved.deleteTitle", { name: c.name }), t("saved.deleteText"), t("common.delete")))) return;
    try {
      await api.deleteCollection(c.id);
      toast(t("saved.deleted"));
      ctx.navigate("/saved", { replace: true });
    } catch (err) {
      toast(err.message, "error");
    }
  });
  let served = false;
  const load = (cursor) => {
    if (!served && !cursor) {
      served = true;
      return Promise.resolve(first);
    }
    return api.collection(c.id, cursor);
  };
  const decorate = (tile, post) => {
    const out = h("button", { type: "button", class: "tile-remove", "aria-label": t("save.removeFrom", { name: c.name }) }, icon("close"));
    const wrap = h("div", { class: "tile-wrap", dataset: { postId: post.id } }, tile, out);
    out.addEventListener("click", async () => {
      out.disabled = true;
      try {
        await api.removeFromCollection(c.id, post.id);
        wrap.remove();
        if (!posts.grid.children.length) posts.sentinel.replaceChildren(emptyState(t("saved.emptyCollection")));
        toast(t("saved.removedFrom", { name: c.name }));
      } catch (err) {
        out.disabled = false;
        toast(err.message, "error");
      }
    });
    return wrap;
  };
  const posts = postGrid(c.name, load, t("saved.emptyCollection"), decorate);
  ctx.onLeave(() => posts.observer.disconnect());
  return h(
    "section",
    { class: "saved" },
    h("p", {}, h("a", { href: "/saved" }, t("saved.back"))),
    h("header", { class: "saved-head" }, title, h("div", { class: "profile-actions" }, rename, remove)),
    posts.grid,
    posts.sentinel,
  );
}
