// Report: the "…" menu entry on posts, comments, profiles, stories and messages. A reason
// picker, an optional note, and a short confirmation; the reported account is never told.

import { request } from "../api.js";
import { h, modal, toast } from "../dom.js";

export const REASONS = [
  ["spam", "Spam"],
  ["nudity", "Nudity or sexual content"],
  ["violence", "Violence"],
  ["harassment", "Bullying or harassment"],
  ["hate", "Hate speech"],
  ["self_harm", "Suicide or self-harm"],
  ["scam", "Scam or fraud"],
  ["intellectual_property", "Intellectual property"],
  ["other", "Something else"],
];

let formCount = 0;

/** Opens the report dialog for one target (post, comment, user, story, message). */
export function openReport(targetType, targetId, what = targetType, { onClose } = {}) {
  const id = `report-${++formCount}`;
  const choices = REASONS.map(([value, label], i) =>
    h("label", { class: "report-reason" }, h("input", { type: "radio", name: `${id}-reason`, value, required: i === 0 }), " ", label),
  );
  const note = h("textarea", { id: `${id}-note`, maxlength: "1000", rows: "2" });
  const submit = h("button", { type: "submit", class: "button primary" }, "Submit report");
  const form = h(
    "form",
    { class: "report-form" },
    h("fieldset", {}, h("legend", {}, `Why are you reporting this ${what}?`), choices),
    h("label", { for: `${id}-note` }, "Anything else? (optional)"),
    note,
    submit,
  );
  const ref = modal(`Report ${what}`, form, { onClose });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const picked = form.querySelector("input[type=radio]:checked");
    if (!picked) return;
    submit.disabled = true;
    try {
      await request("POST", "/reports", { body: { target_type: targetType, target_id: String(targetId), reason: picked.value, comment: note.value } });
      form.replaceWith(
        h("div", { class: "report-done", role: "status" }, h("p", {}, "Thanks for letting us know."), h("p", { class: "muted" }, "Moderators will review it. The account will not know who reported it.")),
      );
      ref.dialog.querySelector(".modal-head button").focus();
    } catch (err) {
      submit.disabled = false;
      toast(err.message, "error");
    }
  });
}
