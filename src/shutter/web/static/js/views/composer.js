// The composer: pick up to ten photos or one video, watch each upload's progress (the
// pre-signed flow in upload.js), write a caption, share as a post or as a story.

import * as api from "../api.js";
import { errorBox, h, toast, uuid } from "../dom.js";
import { uploadFile } from "../upload.js";
import { SCREENED_OUT } from "./stories.js";

const MAX_FILES = 10;
const CAPTION_MAX = 2200;

export function composerView(ctx) {
  let items = []; // {file, url, bar, status, media}
  const idempotencyKey = uuid(); // a retried "Share" never posts twice
  const input = h("input", { type: "file", id: "composer-files", name: "files", accept: "image/*,video/*", multiple: true, class: "visually-hidden" });
  const picker = h(
    "label",
    { for: "composer-files", class: "dropzone" },
    h("span", { class: "dropzone-title" }, "Select photos or a video"),
    h("span", { class: "muted" }, "Up to 10 photos, or one video"),
  );
  const previews = h("ol", { class: "previews", "aria-label": "Selected files" });
  const caption = h("textarea", { id: "composer-caption", name: "caption", rows: 4, maxlength: CAPTION_MAX, placeholder: "Write a caption… #hashtags and @mentions work" });
  const counter = h("span", { class: "muted counter", "aria-live": "polite" }, `0/${CAPTION_MAX}`);
  caption.addEventListener("input", () => (counter.textContent = `${caption.value.length}/${CAPTION_MAX}`));
  const errors = h("div", { class: "composer-errors" });
  const share = h("button", { type: "submit", class: "button primary", disabled: true }, "Share");
  const asStory = h("button", { type: "button", class: "button", disabled: true }, "Add to story");

  function setFiles(files) {
    errors.replaceChildren();
    items.forEach((it) => URL.revokeObjectURL(it.url));
    const list = [...files];
    const videos = list.filter((f) => f.type.startsWith("video/"));
    if (videos.length && list.length > 1) {
      errors.append(errorBox({ message: "A post is either photos or one video: pick one video alone." }));
      list.splice(0, list.length, videos[0]);
    }
    if (list.length > MAX_FILES) {
      errors.append(errorBox({ message: `At most ${MAX_FILES} photos per post; the first ${MAX_FILES} were kept.` }));
      list.length = MAX_FILES;
    }
    items = list.map((file) => {
      const url = URL.createObjectURL(file);
      const bar = h("progress", { max: 1, value: 0, "aria-label": `Upload progress of ${file.name}` });
      const status = h("span", { class: "preview-status muted" }, "Ready to upload");
      const thumb = file.type.startsWith("video/") ? h("video", { src: url, muted: true, playsinline: true, preload: "metadata", "aria-label": file.name }) : h("img", { src: url, alt: `Preview of ${file.name}` });
      const li = h("li", { class: "preview" }, thumb, h("div", { class: "preview-info" }, h("span", { class: "preview-name" }, file.name), bar, status));
      return { file, url, bar, status, li, media: null };
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
          it.status.textContent = phase === "processing" ? "Processing…" : `Uploading ${Math.round(fraction * 100)}%`;
        });
        it.bar.value = 1;
        it.status.textContent = "Uploaded";
      } catch (err) {
        failed = true;
        it.li.classList.add("failed");
        it.status.textContent = "Failed";
        errors.append(errorBox({ message: `${it.file.name}: ${err.message}` }));
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
  const closeFriendsOnly = h("input", { type: "checkbox", id: "story-close-friends" });
  const storyAudience = h("label", { for: "story-close-friends", class: "small story-audience" }, closeFriendsOnly, h("span", { class: "cf-dot", "aria-hidden": "true" }, " ★"), " Close friends only");
  const form = h(
    "form",
    { class: "card composer", "aria-labelledby": "composer-title" },
    h("h1", { id: "composer-title" }, "Create new post"),
    input,
    picker,
    previews,
    h("label", { for: "composer-caption", class: "field-label" }, "Caption"),
    caption,
    h("div", { class: "composer-foot" }, counter, h("div", { class: "composer-buttons" }, storyAudience, asStory, share)),
    errors,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(async () => {
      if (!(await uploadAll())) return;
      const post = await api.createPost(items.map((it) => it.media.id), caption.value, idempotencyKey);
      toast("Your post has been shared.");
      ctx.navigate(`/p/${post.id}`);
    });
  });
  asStory.addEventListener("click", () =>
    busy(async () => {
      if (!(await uploadAll())) return;
      try {
        const created = await api.createStory(items[0].media.id, closeFriendsOnly.checked ? "close_friends" : "everyone");
        toast(created.removed ? SCREENED_OUT : "Added to your story.");
      } catch (err) {
        if (err.unavailable) throw new Error("Stories are not available yet on this server.");
        throw err;
      }
      ctx.navigate("/");
    }),
  );
  return h("section", { class: "narrow" }, form);
}
