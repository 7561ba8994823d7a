// Settings → Your data (docs/data.md): import an Instagram archive (upload progress, then
// the job's progress and its report), and export everything as a zip (request, progress,
// download). The calls are here rather than in api.js: no other screen uses them.

import { ApiError, auth, loadMe, logout, request } from "../api.js";
import { confirmDialog, dateEl, errorBox, h } from "../dom.js";
import { formatDate, formatNumber, language, t, tParts } from "../i18n.js";
import { sendBytes } from "../upload.js";

const POLL_MS = 700;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(["done", "failed"]);

function progressBar(label) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": label, class: "data-progress" });
  const text = h("p", { class: "muted small", "aria-live": "polite" });
  return { node: h("div", { class: "data-progress-row" }, bar, text), bar, text };
}

function importReport(job) {
  const lines = [];
  if (job.status === "failed") {
    lines.push(h("p", { class: "form-error", role: "alert", "data-import-error": job.error?.code || "" }, job.error ? job.error.message : t("data.importFailed")));
    return h("div", { class: "data-report" }, ...lines);
  }
  const parts = [t("data.imported", { n: job.done })];
  if (job.duplicates) parts.push(t("data.duplicates", { n: job.duplicates }));
  if (job.skipped) parts.push(t("data.skipped", { n: job.skipped }));
  lines.push(h("p", { "data-import-summary": "" }, t("data.summary", { parts: parts.join(" · "), total: formatNumber(job.total) })));
  if (job.errors.length) {
    lines.push(
      h(
        "ul",
        { class: "data-errors" },
        ...job.errors.map((e) => h("li", {}, h("span", { class: "strong" }, e.item), " — ", e.message)),
      ),
    );
  }
  return h("div", { class: "data-report" }, ...lines);
}

function importSection() {
  const input = h("input", { type: "file", id: "import-file", accept: ".zip,application/zip", class: "visually-hidden" });
  const progress = progressBar(t("data.importProgress"));
  progress.node.hidden = true;
  const report = h("div", { "aria-live": "polite" });
  const label = h("label", { for: "import-file", class: "button primary" }, t("data.chooseZip"));
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    report.replaceChildren();
    progress.node.hidden = false;
    label.setAttribute("aria-disabled", "true");
    try {
      const ticket = await request("POST", "/media", { body: { content_type: "application/zip", size_bytes: file.size } });
      await sendBytes(ticket, file, "application/zip", (f) => {
        progress.bar.value = f;
        progress.text.textContent = t("upload.progress", { percent: formatNumber(Math.round(f * 100)) });
      });
      let job = (await request("POST", "/imports", { body: { media_id: ticket.media_id } })).import;
      while (!FINAL.has(job.status)) {
        progress.bar.value = job.total ? (job.done + job.skipped + job.duplicates) / job.total : 0;
        progress.text.textContent = job.total ? t("data.importing", { done: formatNumber(job.done + job.skipped + job.duplicates), total: formatNumber(job.total) }) : t("data.reading");
        await sleep(POLL_MS);
        job = (await request("GET", `/imports/${job.id}`)).import;
      }
      progress.bar.value = 1;
      progress.text.textContent = job.status === "done" ? t("data.importFinished") : t("data.importFailedShort");
      report.replaceChildren(importReport(job));
    } catch (err) {
      progress.node.hidden = true;
      report.replaceChildren(errorBox(err));
    } finally {
      label.removeAttribute("aria-disabled");
    }
  });
  return h(
    "section",
    { class: "card settings", "aria-labelledby": "import-title" },
    h("h2", { id: "import-title" }, t("data.importTitle")),
    h(
      "p",
      { class: "muted" },
      t("data.importHelp"),
    ),
    label,
    input,
    progress.node,
    report,
  );
}

function exportSection() {
  const status = h("div", { "aria-live": "polite", class: "data-export-status" });
  const notice = h("div", { "aria-live": "polite" }); // a refusal keeps the last link shown
  const progress = progressBar(t("data.exportProgress"));
  progress.node.hidden = true;
  const button = h("button", { type: "button", class: "button primary", id: "request-export" }, t("data.requestExport"));

  function show(exp) {
    if (!exp) {
      status.replaceChildren();
      return;
    }
    if (exp.status === "done" && exp.download_url) {
      progress.node.hidden = true;
      status.replaceChildren(
        h("p", {}, h("a", { href: exp.download_url, class: "button", download: "", "data-export-download": "" }, t("data.download")), " ", h("span", { class: "muted small" }, ...tParts("data.linkValid", { size: kilobytes(exp.size_bytes), date: dateEl(exp.expires_at) }))),
      );
    } else if (exp.status === "failed") {
      progress.node.hidden = true;
      status.replaceChildren(h("p", { class: "form-error", role: "alert" }, exp.error ? exp.error.message : t("data.exportFailed")));
    } else if (!FINAL.has(exp.status)) {
      progress.node.hidden = false;
      progress.bar.value = exp.total ? exp.done / exp.total : 0;
      progress.text.textContent = exp.total ? t("data.preparingFiles", { done: formatNumber(exp.done), n: exp.total }) : t("data.preparing");
    }
  }

  async function follow(exp) {
    show(exp);
    while (exp && !FINAL.has(exp.status)) {
      await sleep(POLL_MS);
      exp = (await request("GET", `/exports/${exp.id}`)).export;
      show(exp);
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    notice.replaceChildren();
    try {
      await follow((await request("POST", "/exports")).export);
    } catch (err) {
      notice.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  request("GET", "/exports/latest")
    .then((data) => follow(data.export))
    .catch((err) => {
      if (!(err instanceof ApiError && err.unavailable)) status.replaceChildren(errorBox(err));
    });
  return h(
    "section",
    { class: "card settings", "aria-labelledby": "export-title" },
    h("h2", { id: "export-title" }, t("data.download")),
    h("p", { class: "muted" }, t("data.exportHelp")),
    button,
    notice,
    progress.node,
    status,
  );
}

/** An export's size: "12 kB" (at least 1), in the language's way of writing numbers. */
function kilobytes(bytes) {
  const kb = Math.max(1, Math.round((bytes || 0) / 1024));
  return new Intl.NumberFormat(language, { style: "unit", unit: "kilobyte" }).format(kb);
}

function deleteSection(ctx) {
  const password = h("input", { type: "password", id: "delete-password", name: "password", autocomplete: "current-password", required: true });
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "field" }, h("label", { for: "delete-password" }, t("data.yourPassword")), password),
    h("button", { type: "submit", class: "button danger" }, t("data.deleteMine")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    result.replaceChildren();
    const sure = await confirmDialog(t("data.deleteAsk"), t("data.deleteAskText"), t("common.delete"));
    if (!sure) return;
    try {
      const { deletion } = await request("DELETE", "/users/me", { body: { password: password.value } });
      logout();
      ctx.refreshBadges?.();
      form.replaceWith(
        h(
          "div",
          { role: "status", "data-deletion-scheduled": deletion.purge_after },
          h("p", { class: "strong" }, t("data.deletedOn", { date: formatDate(deletion.purge_after, { dateStyle: "long" }) })),
          h("p", {}, ...tParts("data.loggedOut", { link: h("a", { href: "/settings/restore" }, t("data.restoreLink")) })),
        ),
      );
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  });
  return h(
    "section",
    { class: "card settings", "aria-labelledby": "delete-title" },
    h("h2", { id: "delete-title" }, t("data.deleteTitle")),
    h("p", { class: "muted" }, t("data.deleteHelp")),
    form,
    result,
  );
}

export async function dataView(ctx) {
  return h("section", { class: "narrow" }, h("h1", {}, t("data.title")), importSection(), exportSection(), deleteSection(ctx));
}

/** /settings/restore: cancel a scheduled deletion with the account's credentials. */
export async function restoreView(ctx) {
  const form = h(
    "form",
    { class: "form" },
    h("div", { class: "field" }, h("label", { for: "restore-login" }, t("auth.loginField")), h("input", { id: "restore-login", name: "login", autocomplete: "username", required: true })),
    h("div", { class: "field" }, h("label", { for: "restore-password" }, t("auth.password")), h("input", { id: "restore-password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "button primary" }, t("data.restoreMine")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    const data = new FormData(form);
    try {
      const restored = await request("POST", "/users/me/restore", { body: { login: String(data.get("login")), password: String(data.get("password")) } });
      auth.token = restored.access_token;
      await loadMe();
      ctx.navigate("/");
    } catch (err) {
      form.append(errorBox(err));
    }
  });
  return h("section", { class: "narrow" }, h("div", { class: "card settings" }, h("h1", {}, t("data.restoreTitle")), h("p", { class: "muted" }, t("data.restoreText")), form));
}
