// The Admin area (moderators and admins): the queue of reported things with previews and
// one-click actions, the audit log, appeals. Also the page a suspended account lands on,
// and the moderation notices in the notifications list.

import { auth, request } from "../api.js";
import { dateEl, errorBox, h, timeEl, toast } from "../dom.js";
import { formatNumber, t, tParts } from "../i18n.js";

const TABS = [
  ["queue", "admin.tab.queue"],
  ["audit", "admin.tab.audit"],
  ["appeals", "admin.tab.appeals"],
];

/** A server code in words: the catalogue's `prefix.code`, or the code itself, spaced
 * (`fallback`) when the catalogue does not know it. */
function named(prefix, code, params = {}, fallback = String(code).replace(/_/g, " ")) {
  const key = `${prefix}.${code}`;
  const text = t(key, params);
  return text === key ? fallback : text;
}

/** "post 123", "comment 45": what an action or a report is about. */
const targetName = (type, id) => named("admin.target", type, { id }, `${type} ${id}`);

export const isModerator = () => !!auth.me && ["moderator", "admin"].includes(auth.me.role);

export async function adminView(ctx) {
  const tab = ctx.query.get("tab") || "queue";
  const tabs = h(
    "nav",
    { class: "admin-tabs", "aria-label": t("admin.sections") },
    TABS.map(([id, key]) => h("a", { href: `/admin?tab=${id}`, class: `button small${id === tab ? " primary" : ""}`, "aria-current": id === tab ? "page" : false }, t(key))),
  );
  const body = h("div", {});
  const section = h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("nav.admin")), tabs, body));
  try {
    if (tab === "audit") body.append(await auditList());
    else if (tab === "appeals") body.append(await appealsList(ctx));
    else body.append(await queueList(ctx));
  } catch (err) {
    body.append(err.status === 403 ? h("p", { role: "alert" }, t("admin.moderatorsOnly")) : errorBox(err));
  }
  return section;
}

async function act(action, targetType, targetId, reason, reportIds = []) {
  return request("POST", "/admin/actions", {
    body: { action, target_type: targetType, target_id: targetId, reason, report_ids: reportIds },
  });
}

async function queueList(ctx) {
  const status = ctx.query.get("status") === "resolved" ? "resolved" : "open";
  const data = await request("GET", "/admin/reports", { query: { status } });
  if (!data.items.length) return h("p", { class: "muted center" }, status === "open" ? t("admin.nothingToReview") : t("admin.nothingResolved"));
  return h("ul", { class: "admin-list", "aria-label": t("admin.reported") }, data.items.map((item) => queueItem(ctx, item)));
}

function queueItem(ctx, item) {
  const preview = item.preview || {};
  // The reasons as the author is told them (the server keeps them as sent), and as shown here.
  const reasons = Object.entries(item.reasons).map(([reason, n]) => `${reason.replace(/_/g, " ")} ×${n}`).join(", ");
  const reasonsShown = Object.entries(item.reasons).map(([reason, n]) => `${named("admin.reason", reason)} ×${formatNumber(n)}`).join(", ");
  const reportIds = item.reports.map((r) => r.id);
  const state = ["removed", "suspended", "sensitive", "deleted"].filter((s) => preview[s]).map((s) => t(`admin.state.${s}`));
  const reasonInput = h("input", { type: "text", "aria-label": t("admin.reasonLabel"), placeholder: t("admin.reasonPlaceholder"), maxlength: "1000" });
  const button = (label, action, targetType, targetId) =>
    h("button", { type: "button", class: `button small${action === "remove" || action === "suspend" ? " danger-fill primary" : ""}`, onClick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        await act(action, targetType, targetId, reasonInput.value || reasons, reportIds);
        toast(t("admin.done", { action: label }));
        ctx.navigate("/admin?tab=queue", { replace: true });
      } catch (err) {
        e.currentTarget.disabled = false;
        toast(err.message, "error");
      }
    } }, label);
  const removable = ["post", "comment", "story"].includes(item.target_type);
  const actions = [
    button(t("admin.do.dismiss"), "dismiss", item.target_type, item.target_id),
    removable && !preview.removed ? button(t("admin.do.remove"), "remove", item.target_type, item.target_id) : null,
    removable && preview.removed ? button(t("admin.do.restore"), "restore", item.target_type, item.target_id) : null,
    item.target_type === "post" && !preview.sensitive ? button(t("admin.do.markSensitive"), "mark_sensitive", "post", item.target_id) : null,
    button(t("admin.do.warn"), "warn", item.target_type, item.target_id),
    button(item.owner.username ? t("admin.do.suspend", { name: item.owner.username }) : t("admin.do.suspendAuthor"), "suspend", "user", item.owner.id),
  ];
  const what = targetName(item.target_type, item.target_id);
  const link = item.target_type === "post" ? h("a", { href: `/p/${item.target_id}` }, what) : item.target_type === "user" ? h("a", { href: `/u/${item.owner.username}` }, `@${item.owner.username}`) : what;
  const owner = h("a", { href: `/u/${item.owner.username}` }, item.owner.username || "?");
  const reports = h("strong", {}, t("admin.reports", { n: item.report_count }));
  return h(
    "li",
    { class: "admin-item", dataset: { targetType: item.target_type, targetId: item.target_id } },
    h("p", {}, ...tParts("admin.itemLine", { reports, target: link, owner }), state.length ? ` · ${state.join(", ")}` : ""),
    h("p", { class: "muted" }, t("admin.reasons", { reasons: reasonsShown }), item.sources.includes("screening") ? t("admin.byScreening") : "", item.sources.includes("spam") ? t("admin.bySpam") : ""),
    preview.text ? h("blockquote", { class: "quote" }, preview.text) : null,
    (preview.media || []).length ? h("div", { class: "thumbs" }, preview.media.map((m) => (m.urls ? h("img", { src: m.urls.thumb, alt: m.type === "video" ? t("admin.reportedVideo") : t("admin.reportedImage") }) : null))) : null,
    h("ul", { class: "muted" }, item.reports.slice(0, 5).map((r) => h("li", {}, reportLine(r)))),
    reasonInput,
    h("div", { class: "admin-actions" }, actions),
  );
}

/** One report: its reason, who sent it (or which signal), and the reporter's note. */
function reportLine(r) {
  const reason = named("admin.reason", r.reason);
  const line = r.reporter ? t("admin.reportBy", { reason, name: r.reporter }) : t("admin.reportFrom", { reason, source: named("admin.source", r.source) });
  return r.comment ? `${line}: ${r.comment}` : line;
}

async function auditList() {
  const data = await request("GET", "/admin/audit");
  if (!data.actions.length) return h("p", { class: "muted center" }, t("admin.noActions"));
  return h(
    "ul",
    { class: "admin-list", "aria-label": t("admin.tab.audit") },
    data.actions.map((a) =>
      h(
        "li",
        { class: "admin-item" },
        h(
          "p",
          {},
          ...tParts("admin.auditLine", {
            action: h("strong", {}, named("admin.action", a.action)),
            target: targetName(a.target_type, a.target_id),
            owner: a.target_owner.username || "?",
            actor: a.actor ? a.actor.username : t("admin.theSystem"),
            time: timeEl(a.created_at),
          }),
        ),
        a.reason ? h("p", { class: "muted" }, a.reason) : null,
      ),
    ),
  );
}

async function appealsList(ctx) {
  const data = await request("GET", "/admin/appeals");
  if (!data.appeals.length) return h("p", { class: "muted center" }, t("admin.noAppeals"));
  const undo = { remove: "restore", suspend: "unsuspend" };
  return h(
    "ul",
    { class: "admin-list", "aria-label": t("admin.tab.appeals") },
    data.appeals.map((appeal) => {
      const action = appeal.action;
      const grant = action && undo[action.action];
      const done = () => ctx.navigate("/admin?tab=appeals", { replace: true });
      return h(
        "li",
        { class: "admin-item" },
        h(
          "p",
          {},
          ...tParts("admin.appealLine", {
            name: h("strong", {}, appeal.appellant.username || "?"),
            action: action ? named("admin.action", action.action) : "?",
            target: action ? targetName(action.target_type, action.target_id) : "?",
            time: timeEl(appeal.created_at),
          }),
        ),
        h("blockquote", { class: "quote" }, appeal.text),
        h(
          "div",
          { class: "admin-actions" },
          grant ? h("button", { type: "button", class: "button small primary", onClick: () => act(grant, action.target_type, action.target_id, t("admin.appealGranted")).then(done, (err) => toast(err.message, "error")) }, t("admin.grant")) : null,
          h("button", { type: "button", class: "button small", onClick: () => request("POST", `/admin/appeals/${appeal.id}/deny`).then(done, (err) => toast(err.message, "error")) }, t("admin.deny")),
        ),
      );
    }),
  );
}

/** The page a suspended account lands on (login answered 403 account_suspended). */
export function suspendedView(ctx) {
  const until = ctx.query.get("until");
  return h(
    "section",
    { class: "suspended-page card" },
    h("h1", {}, t("admin.suspendedTitle")),
    h("p", {}, until ? tParts("admin.suspendedUntil", { time: dateEl(until) }) : t("admin.suspendedText")),
    h("p", { class: "muted" }, t("admin.suspendedHidden")),
    h("a", { href: "/login", class: "button" }, t("admin.backToLogin")),
  );
}

/** A notification from the moderators: what was done, why, and an appeal button. */
export function moderationNotice(n) {
  const parts = [n.sentence];
  const action = n.action;
  if (action && action.appealable) {
    const button = h("button", { type: "button", class: "button small" }, t("admin.appeal"));
    button.addEventListener("click", async () => {
      const text = window.prompt(t("admin.appealAsk"));
      if (!text) return;
      try {
        await request("POST", "/appeals", { body: { action_id: action.id, text } });
        toast(t("admin.appealSent"));
        button.remove();
      } catch (err) {
        toast(err.message, "error");
      }
    });
    parts.push(" ", button);
  }
  return parts;
}
