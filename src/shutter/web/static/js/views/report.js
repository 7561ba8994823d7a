// Report: the "…" menu entry on posts, comments, profiles, stories and messages. A reason
// picker, an optional note, and a short confirmation; the reported account is never told.

import { request } from "../api.js";
import { h, modal, toast } from "../dom.js";
import { t } from "../i18n.js";

// The reasons the server accepts (moderation/service.py); their words are report.reason.*.
export const REASONS = ["spam", "nudity", "violence", "harassment", "hate", "self_harm", "scam", "intellectual_property", "other"];
// What is reported, in the sentences of the dialog ("post", "comment", "user"...).
const WHATS = ["post", "comment", "user", "account", "story", "message"];

let formCount = 0;

/** Opens the report dialog for one target (post, comment, user, story, message). */
export function openReport(targetType, targetId, what = targetType, { onClose } = {}) {
  const id = `report-${++formCount}`;
  const subject = WHATS.includes(what) ? what : "other";
  const choices = REASONS.map((value, i) =>
    h("label", { class: "report-reason" }, h("input", { type: "radio", name: `${id}-reason`, value, required: i === 0 }), " ", t(`report.reason.${value}`)),
  );
  const note = h("textarea", { id: `${id}-note`, maxlength: "1000", rows: "2" });
  const submit = h("button", { type: "submit", class: "button primary" }, t("report.submit"));
  const form = h(
    "form",
    { class: "report-form" },
    h("fieldset", {}, h("legend", {}, t(`report.why.${subject}`)), choices),
    h("label", { for: `${id}-note` }, t("report.note")),
    note,
    submit,
  );
  const ref = modal(t(`report.title.${subject}`), form, { onClose });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const picked = form.querySelector("input[type=radio]:checked");
    if (!picked) return;
    submit.disabled = true;
    try {
      await request("POST", "/reports", { body: { target_type: targetType, target_id: String(targetId), reason: picked.value, comment: note.value } });
      form.replaceWith(
        h("div", { class: "report-done", role: "status" }, h("p", {}, t("report.thanks")), h("p", { class: "muted" }, t("report.review"))),
      );
      ref.dialog.querySelector(".modal-head button").focus();
    } catch (err) {
      submit.disabled = false;
      toast(err.message, "error");
    }
  });
}
