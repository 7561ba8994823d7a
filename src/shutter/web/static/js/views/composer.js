// The composer: pick up to ten photos or one video, watch each upload's progress (the
// pre-signed flow in upload.js), describe each one (alt text, with a gentle reminder when
// empty, never a blocker), write a caption and an optional content warning, choose the
// post's options (comments, like count), share as a post or as a story.

import * as api from "../api.js";
import { errorBox, h, toast, uuid } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import { uploadFile } from "../upload.js";
import { SCREENED_OUT } from "./stories.js";

const MAX_FILES = 10;
const CAPTION_MAX = 2200;
const ALT_MAX = 1500;
const WARNING_MAX = 500;
let fieldCount = 0; // unique ids for the alt text fields

export function composerView(ctx) {
  let items = []; // {file, url, bar, status, media}
  const idempotencyKey = uuid(); // a retried "Share" never posts twice
  const input = h("input", { type: "file", id: "composer-files", name: "files", accept: "image/*,video/*", multiple: true, class: "visually-hidden" });
  const picker = h(
    "label",
    { for: "composer-files", class: "dropzone" },
    h("span", { class: "dropzone-title" }, t("composer.select")),
    h("span", { class: "muted" }, t("composer.upTo", { n: MAX_FILES })),
  );
  const previews = h("ol", { class: "previews", "aria-label": t("composer.selected") });
  const caption = h("textarea", { id: "composer-caption", name: "caption", rows: 4, maxlength: CAPTION_MAX, placeholder: t("composer.captionPlaceholder") });
  const counted = () => t("composer.captionCount", { length: formatNumber(caption.value.length), max: formatNumber(CAPTION_MAX) });
  const counter = h("span", { class: "muted counter", "aria-live": "polite" }, counted());
  caption.addEventListener("input", () => (counter.textContent = counted()));
  const errors = h("div", { class: "composer-errors" });
  const share = h("button", { type: "submit", class: "button primary", disabled: true }, t("composer.share"));
  const asStory = h("button", { type: "button", class: "button", disabled: true }, t("composer.addToStory"));

  function setFiles(files) {
    errors.replaceChildren();
    items.forEach((it) => URL.revokeObjectURL(it.url));
    const list = [...files];
    const videos = list.filter((f) => f.type.startsWith("video/"));
    if (videos.length && list.length > 1) {
      errors.append(errorBox({ message: t("composer.oneVideo") }));
      list.splice(0, list.length, videos[0]);
    }
    if (list.length > MAX_FILES) {
      errors.append(errorBox({ message: t("composer.tooMany", { n: MAX_FILES }) }));
      list.length = MAX_FILES;
    }
    items = list.map((file) => {
      const url = URL.createObjectURL(file);
      const bar = h("progress", { max: 1, value: 0, "aria-label": t("composer.progressOf", { name: file.name }) });
      const status = h("span", { class: "preview-status muted" }, t("composer.readyToUpload"));
      const thumb = file.type.startsWith("video/") ? h("video", { src: url, muted: true, playsinline: true, preload: "metadata", "aria-label": file.name }) : h("img", { src: url, alt: t("composer.previewOf", { name: file.name }) });
      const altId = `composer-alt-${++fieldCount}`;
      const alt = h("textarea", { id: altId, rows: 2, maxlength: ALT_MAX, class: "alt-input", placeholder: t("composer.altPlaceholder") });
      const reminder = h("p", { class: "muted small alt-reminder" }, t("composer.altReminder"));
      alt.addEventListener("input", () => (reminder.hidden = !!alt.value.trim()));
      const li = h(
        "li",
        { class: "preview" },
        thumb,
        h("div", { class: "preview-info" }, h("span", { class: "preview-name" }, file.name), bar, status, h("label", { for: altId, class: "small" }, t("composer.altFor", { name: file.name })), alt, reminder),
      );
      return { file, url, bar, status, li, alt, media: null };
    });
    previews.replaceChildren(...items.map((it) => it.li));
    share.disabled = !items.length;
    asStory.disabled = items.length !== 1;
    picker.classList.toggle("has-files", !!items.length);
  }
  input.addEventListener("change", () => setFiles(input.files));
  ctx.onLeave(() => items.forEach((it) => URL.revokeObjectURL(it.url)));

  async function uploadAll() {
    errors.replaceChildren();
    let failed = false;
    for (const it of items) {
      if (it.media) continue;
      it.li.classList.remove("failed");
      try {
        it.media = await uploadFile(it.file, (fraction, phase) => {
          it.bar.value = fraction;
          it.status.textContent = phase === "processing" ? t("upload.processing") : t("upload.progress", { percent: formatNumber(Math.round(fraction * 100)) });
        });
        it.bar.value = 1;
        it.status.textContent = t("composer.uploaded");
      } catch (err) {
        failed = true;
        it.li.classList.add("failed");
        it.status.textContent = t("composer.failed");
        errors.append(errorBox({ message: t("composer.fileError", { name: it.file.name, error: err.message }) }));
      }
    }
    return !failed;
  }

  async function busy(fn) {
    share.disabled = asStory.disabled = true;
    input.disabled = true;
    try {
      await fn();
    } catch (err) {
      errors.append(errorBox(err));
    } finally {
      share.disabled = !items.length;
      asStory.disabled = items.length !== 1;
      input.disabled = false;
    }
  }

  // A story for everyone who may see your stories, or for your close friends only.
  const warning = h("input", { type: "text", id: "composer-warning", maxlength: WARNING_MAX, placeholder: t("composer.warningPlaceholder") });
  const commentsOff = h("input", { type: "checkbox", id: "composer-comments-off" });
  const hideLikes = h("input", { type: "checkbox", id: "composer-hide-likes" });
  const closeFriendsOnly = h("input", { type: "checkbox", id: "story-close-friends" });
  const storyAudience = h("label", { for: "story-close-friends", class: "small story-audience" }, closeFriendsOnly, h("span", { class: "cf-dot", "aria-hidden": "true" }, " ★"), " ", t("composer.closeFriendsOnly"));
  const form = h(
    "form",
    { class: "card composer", "aria-labelledby": "composer-title" },
    h("h1", { id: "composer-title" }, t("composer.title")),
    input,
    picker,
    previews,
    h("label", { for: "composer-caption", class: "field-label" }, t("composer.caption")),
    caption,
    h("label", { for: "composer-warning", class: "field-label" }, t("composer.warning")),
    warning,
    h(
      "div",
      { class: "composer-options" },
      h("label", { for: "composer-comments-off", class: "small" }, commentsOff, " ", t("composer.commentsOff")),
      h("label", { for: "composer-hide-likes", class: "small" }, hideLikes, " ", t("composer.hideLikes")),
    ),
    h("div", { class: "composer-foot" }, counter, h("div", { class: "composer-buttons" }, storyAudience, asStory, share)),
    errors,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(async () => {
      if (!(await uploadAll())) return;
      const altTexts = Object.fromEntries(items.filter((it) => it.alt.value.trim()).map((it) => [it.media.id, it.alt.value.trim()]));
      const post = await api.createPost(items.map((it) => it.media.id), caption.value, idempotencyKey, {
        alt_texts: altTexts,
        content_warning: warning.value.trim() || null,
        comments_enabled: !commentsOff.checked,
        hide_like_count: hideLikes.checked,
      });
      toast(t("composer.shared"));
      ctx.navigate(`/p/${post.id}`);
    });
  });
  asStory.addEventListener("click", () =>
    busy(async () => {
      if (!(await uploadAll())) return;
      try {
        const created = await api.createStory(items[0].media.id, closeFriendsOnly.checked ? "close_friends" : "everyone");
        toast(created.removed ? SCREENED_OUT : t("stories.added"));
      } catch (err) {
        if (err.unavailable) throw new Error(t("composer.storiesUnavailable"));
        throw err;
      }
      ctx.navigate("/");
    }),
  );
  return h("section", { class: "narrow" }, form);
}
