// The Admin area (moderators and admins): the queue of reported things with previews and
// one-click actions, the audit log, appeals. Also the page a suspended account lands on,
// and the moderation notices in the notifications list.

import { auth, request } from "../api.js";
import { errorBox, h, timeEl, toast } from "../dom.js";

const TABS = [
  ["queue", "Queue"],
  ["audit", "Audit log"],
  ["appeals", "Appeals"],
];

export const isModerator = () => !!auth.me && ["moderator", "admin"].includes(auth.me.role);

export async function adminView(ctx) {
  const tab = ctx.query.get("tab") || "queue";
  const tabs = h(
    "nav",
    { class: "admin-tabs", "aria-label": "Admin sections" },
    TABS.map(([id, label]) => h("a", { href: `/admin?tab=${id}`, class: `button small${id === tab ? " primary" : ""}`, "aria-current": id === tab ? "page" : false }, label)),
  );
  const body = h("div", {});
  const section = h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Admin"), tabs, body));
  try {
    if (tab === "audit") body.append(await auditList());
    else if (tab === "appeals") body.append(await appealsList(ctx));
    else body.append(await queueList(ctx));
  } catch (err) {
    body.append(err.status === 403 ? h("p", { role: "alert" }, "Only moderators can open this page.") : errorBox(err));
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
  if (!data.items.length) return h("p", { class: "muted center" }, status === "open" ? "Nothing to review." : "Nothing resolved yet.");
  return h("ul", { class: "admin-list", "aria-label": "Reported" }, data.items.map((item) => queueItem(ctx, item)));
}

function queueItem(ctx, item) {
  const preview = item.preview || {};
  const reasons = Object.entries(item.reasons).map(([reason, n]) => `${reason.replace(/_/g, " ")} ×${n}`).join(", ");
  const reportIds = item.reports.map((r) => r.id);
  const state = [preview.removed ? "removed" : null, preview.suspended ? "suspended" : null, preview.sensitive ? "sensitive" : null, preview.deleted ? "deleted by its author" : null].filter(Boolean);
  const reasonInput = h("input", { type: "text", "aria-label": "Reason for the action", placeholder: "Reason (shown to the author)", maxlength: "1000" });
  const button = (label, action, targetType, targetId) =>
    h("button", { type: "button", class: `button small${action === "remove" || action === "suspend" ? " danger-fill primary" : ""}`, onClick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        await act(action, targetType, targetId, reasonInput.value || reasons, reportIds);
        toast(`${label}: done.`);
        ctx.navigate("/admin?tab=queue", { replace: true });
      } catch (err) {
        e.currentTarget.disabled = false;
        toast(err.message, "error");
      }
    } }, label);
  const removable = ["post", "comment", "story"].includes(item.target_type);
  const actions = [
    button("Dismiss", "dismiss", item.target_type, item.target_id),
    removable && !preview.removed ? button("Remove", "remove", item.target_type, item.target_id) : null,
    removable && preview.removed ? button("Restore", "restore", item.target_type, item.target_id) : null,
    item.target_type === "post" && !preview.sensitive ? button("Mark sensitive", "mark_sensitive", "post", item.target_id) : null,
    button("Warn", "warn", item.target_type, item.target_id),
    button(`Suspend ${item.owner.username || "author"}`, "suspend", "user", item.owner.id),
  ];
  const link = item.target_type === "post" ? h("a", { href: `/p/${item.target_id}` }, `post ${item.target_id}`) : item.target_type === "user" ? h("a", { href: `/u/${item.owner.username}` }, `@${item.owner.username}`) : `${item.target_type} ${item.target_id}`;
  return h(
    "li",
    { class: "admin-item", dataset: { targetType: item.target_type, targetId: item.target_id } },
    h("p", {}, h("strong", {}, `${item.report_count} report${item.report_count === 1 ? "" : "s"}`), " · ", link, " by ", h("a", { href: `/u/${item.owner.username}` }, item.owner.username || "?"), state.length ? ` · ${state.join(", ")}` : ""),
    h("p", { class: "muted" }, `Reasons: ${reasons}`, item.sources.includes("screening") ? " · flagged by screening" : "", item.sources.includes("spam") ? " · anti-spam signal" : ""),
    preview.text ? h("blockquote", { class: "quote" }, preview.text) : null,
    (preview.media || []).length ? h("div", { class: "thumbs" }, preview.media.map((m) => (m.urls ? h("img", { src: m.urls.thumb, alt: `Reported ${m.type}` }) : null))) : null,
    h("ul", { class: "muted" }, item.reports.slice(0, 5).map((r) => h("li", {}, `${r.reason.replace(/_/g, " ")}${r.reporter ? ` by ${r.reporter}` : ` (${r.source})`}${r.comment ? `: ${r.comment}` : ""}`))),
    reasonInput,
    h("div", { class: "admin-actions" }, actions),
  );
}

async function auditList() {
  const data = await request("GET", "/admin/audit");
  if (!data.actions.length) return h("p", { class: "muted center" }, "No actions yet.");
  return h(
    "ul",
    { class: "admin-list", "aria-label": "Audit log" },
    data.actions.map((a) =>
      h("li", { class: "admin-item" }, h("p", {}, h("strong", {}, a.action.replace(/_/g, " ")), ` on ${a.target_type} ${a.target_id} (${a.target_owner.username || "?"}) by ${a.actor ? a.actor.username : "the system"} `, timeEl(a.created_at)), a.reason ? h("p", { class: "muted" }, a.reason) : null),
    ),
  );
}

async function appealsList(ctx) {
  const data = await request("GET", "/admin/appeals");
  if (!data.appeals.length) return h("p", { class: "muted center" }, "No open appeals.");
  const undo = { remove: "restore", suspend: "unsuspend" };
  return h(
    "ul",
    { class: "admin-list", "aria-label": "Appeals" },
    data.appeals.map((appeal) => {
      const action = appeal.action;
      const grant = action && undo[action.action];
      const done = () => ctx.navigate("/admin?tab=appeals", { replace: true });
      return h(
        "li",
        { class: "admin-item" },
        h("p", {}, h("strong", {}, appeal.appellant.username || "?"), ` appeals “${action ? action.action : "?"}” on ${action ? `${action.target_type} ${action.target_id}` : "?"} `, timeEl(appeal.created_at)),
        h("blockquote", { class: "quote" }, appeal.text),
        h(
          "div",
          { class: "admin-actions" },
          grant ? h("button", { type: "button", class: "button small primary", onClick: () => act(grant, action.target_type, action.target_id, "appeal granted").then(done, (err) => toast(err.message, "error")) }, "Grant") : null,
          h("button", { type: "button", class: "button small", onClick: () => request("POST", `/admin/appeals/${appeal.id}/deny`).then(done, (err) => toast(err.message, "error")) }, "Deny"),
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
    h("h1", {}, "Your account is suspended"),
    h("p", {}, until ? ["You can use Shutter again from ", timeEl(until), "."] : "A moderator suspended your account for breaking the rules."),
    h("p", { class: "muted" }, "While it is suspended, your profile, posts and stories are hidden and you cannot sign in."),
    h("a", { href: "/login", class: "button" }, "Back to log in"),
  );
}

/** A notification from the moderators: what was done, why, and an appeal button. */
export function moderationNotice(n) {
  const parts = [n.sentence];
  const action = n.action;
  if (action && action.appealable) {
    const button = h("button", { type: "button", class: "button small" }, "Appeal");
    button.addEventListener("click", async () => {
      const text = window.prompt("Why should this be reconsidered?");
      if (!text) return;
      try {
        await request("POST", "/appeals", { body: { action_id: action.id, text } });
        toast("Appeal sent.");
        button.remove();
      } catch (err) {
        toast(err.message, "error");
      }
    });
    parts.push(" ", button);
  }
  return parts;
}
