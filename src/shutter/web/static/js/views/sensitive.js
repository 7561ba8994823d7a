// Sensitive media: blurred behind a tap, unless the reader chose to always see it
// (localStorage "shutter.showSensitive" = "1", set from the cover itself). Media under
// a content warning are covered by the warning's text until tapped, always.

import { h } from "../dom.js";
import { t } from "../i18n.js";

const ALWAYS = "shutter.showSensitive";

// A content warning (the author's own words) always covers the media until tapped.
export function coverSensitive(media, warning = null) {
  if (!warning && localStorage.getItem(ALWAYS) === "1") return;
  media.classList.add("sensitive");
  const show = h("button", { type: "button", class: "button" }, t("sensitive.show"));
  const always = warning ? null : h("button", { type: "button", class: "button small" }, t("sensitive.always"));
  const cover = h(
    "div",
    { class: "sensitive-cover" },
    h("p", { class: "strong" }, warning ? t("sensitive.warning") : t("sensitive.title")),
    h("p", { class: warning ? "content-warning" : null }, warning || t("sensitive.text")),
    show,
    always,
  );
  const reveal = () => {
    media.classList.remove("sensitive");
    cover.remove();
  };
  show.addEventListener("click", reveal);
  always?.addEventListener("click", () => {
    localStorage.setItem(ALWAYS, "1");
    reveal();
  });
  media.append(cover);
}
