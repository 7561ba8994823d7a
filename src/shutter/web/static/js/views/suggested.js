// "Suggested for you" under an empty feed: the people behind Explore's popular posts (the
// server has no suggestions endpoint; Explore already leaves out people you follow and
// blocked accounts), each with a Follow button.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, h, toast } from "../dom.js";
import { t } from "../i18n.js";

const MAX = 6;

export function suggestedAccounts() {
  const list = h("ul", { class: "user-list suggested-list" });
  const section = h("section", { class: "card suggested", "aria-labelledby": "suggested-title", hidden: true }, h("h2", { id: "suggested-title" }, t("suggested.title")), list);
  api
    .explore(null, 30)
    .then((page) => {
      const people = new Map();
      for (const post of page.items) {
        const a = post.author;
        if (!a || (auth.me && a.id === auth.me.id) || people.has(a.id)) continue;
        people.set(a.id, a);
      }
      for (const person of [...people.values()].slice(0, MAX)) list.append(row(person));
      section.hidden = !list.children.length;
    })
    .catch(() => {}); // no Explore on this server: no suggestions
  return section;
}

function row(person) {
  const button = h("button", { type: "button", class: "button primary small", "aria-label": t("follow.name", { name: person.username }) }, t("follow.follow"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const status = await api.follow(person.id);
      button.textContent = status === "requested" ? t("follow.requested") : t("follow.following");
      button.setAttribute("aria-label", `${button.textContent}: ${person.username}`);
      button.classList.remove("primary");
    } catch (err) {
      button.disabled = false;
      toast(t("follow.failed", { name: person.username, error: err.message }), "error");
    }
  });
  return h("li", { class: "user-row" }, h("a", { href: `/u/${person.username}`, class: "user-row-link" }, avatar(person, 44), h("span", { class: "user-row-names" }, h("span", { class: "strong" }, person.username), person.displayName ? h("span", { class: "muted" }, person.displayName) : null)), button);
}
