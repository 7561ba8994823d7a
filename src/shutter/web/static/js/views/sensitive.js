// Sensitive media: blurred behind a tap, unless the reader chose to always see it
// (localStorage "shutter.showSensitive" = "1", set from the cover itself).

import { h } from "../dom.js";

const ALWAYS = "shutter.showSensitive";

export function coverSensitive(media) {
  if (localStorage.getItem(ALWAYS) === "1") return;
  media.classList.add("sensitive");
  const show = h("button", { type: "button", class: "button" }, "Show");
  const always = h("button", { type: "button", class: "button small" }, "Always show sensitive content");
  const cover = h(
    "div",
    { class: "sensitive-cover" },
    h("p", { class: "strong" }, "Sensitive content"),
    h("p", {}, "This photo or video may show content some people find upsetting."),
    show,
    always,
  );
  const reveal = () => {
    media.classList.remove("sensitive");
    cover.remove();
  };
  show.addEventListener("click", reveal);
  always.addEventListener("click", () => {
    localStorage.setItem(ALWAYS, "1");
    reveal();
  });
  media.append(cover);
}
