// Settings → Apps: the apps (Mastodon apps, through OAuth) a person let use their account,
// with what each may do, and a Revoke button that ends every token of that app at once.

import * as api from "../api.js";
import { errorBox, h, timeAgo, toast } from "../dom.js";
import { describeScope } from "../scopes.js";
import { t } from "../i18n.js";
import { settingsCard } from "./quiet.js";

/** The host of an app's website, or null when it is not an http(s) URL (never a link then). */
function websiteHost(website) {
  try {
    const url = new URL(website);
    return url.protocol === "https:" || url.protocol === "http:" ? url.host : null;
  } catch {
    return null;
  }
}

function appRow(app, list, empty) {
  const host = app.website ? websiteHost(app.website) : null;
  const revoke = h("button", { type: "button", class: "button small", "aria-label": t("apps.revokeName", { name: app.name }) }, t("apps.revoke"));
  const row = h(
    "li",
    { class: "session", "data-app": app.app_id },
    h(
      "span",
      {},
      h("span", { class: "strong" }, app.name),
      host ? h("span", { class: "muted small" }, " · ", h("a", { href: app.website, rel: "noopener noreferrer", target: "_blank" }, host)) : null,
      h("span", { class: "muted small" }, t("apps.allowed", { time: timeAgo(app.granted_at) })),
      h("ul", { class: "muted small app-scopes" }, ...app.scopes.map((scope) => h("li", {}, describeScope(scope)))),
    ),
    revoke,
  );
  revoke.addEventListener("click", async () => {
    revoke.disabled = true;
    try {
      await api.revokeApp(app.app_id);
      row.remove();
      toast(t("apps.revoked", { name: app.name }));
      if (!list.children.length) list.replaceWith(empty);
    } catch (err) {
      revoke.disabled = false;
      toast(err.message, "error");
    }
  });
  return row;
}

/** /settings/apps */
export async function appsView() {
  const intro = h("p", { class: "muted small" }, t("apps.intro"));
  const empty = h("p", { class: "muted center", "data-no-apps": "" }, t("apps.none"));
  let apps;
  try {
    apps = await api.grantedApps();
  } catch (err) {
    return settingsCard(t("apps.title"), intro, errorBox(err));
  }
  if (!apps.length) return settingsCard(t("apps.title"), intro, empty);
  const list = h("ul", { class: "session-list", "aria-label": t("apps.list") });
  list.append(...apps.map((app) => appRow(app, list, empty)));
  return settingsCard(t("apps.title"), intro, list);
}
