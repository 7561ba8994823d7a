// Settings → Security: email (with its confirmation state), password, and log out (also
// reachable here on phones, where the navigation bar is short of room).

import * as accounts from "../accounts.js";
import * as api from "../api.js";
import { errorBox, h, timeAgo, toast } from "../dom.js";
import { t } from "../i18n.js";
import { totpSection } from "./mfa.js";

function field(label, attrs) {
  const id = `s-${attrs.name}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
}

function onSubmit(form, action) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error, .error").forEach((x) => x.remove());
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(new FormData(form));
      form.reset();
    } catch (err) {
      const messages = {
        wrong_password: "security.wrongPassword",
        email_taken: "security.emailTaken",
        validation_error: "security.checkDetails",
      };
      form.append(messages[err.code] ? h("p", { class: "form-error", role: "alert" }, t(messages[err.code])) : errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function securityView(ctx) {
  const me = await api.loadMe();
  const emailState = h("p", { class: "muted small" }, t(me.emailVerified ? "security.confirmed" : "security.notConfirmed", { email: me.email }));
  const emailForm = onSubmit(
    h(
      "form",
      { class: "form", novalidate: true, "aria-labelledby": "security-email" },
      field(t("security.newEmail"), { name: "new_email", type: "email", autocomplete: "email", required: true }),
      field(t("mfa.password"), { name: "password", type: "password", autocomplete: "current-password", required: true }),
      h("button", { type: "submit", class: "button primary" }, t("security.changeEmail")),
    ),
    async (data) => {
      const result = await accounts.changeEmail(String(data.get("password")), String(data.get("new_email")).trim());
      emailState.textContent = t("security.notConfirmed", { email: result.email });
      toast(t("security.linkSent", { email: result.email }));
    },
  );
  const passwordForm = onSubmit(
    h(
      "form",
      { class: "form", novalidate: true, "aria-labelledby": "security-password" },
      field(t("security.currentPassword"), { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
      field(t("recover.newPassword"), { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
      h("button", { type: "submit", class: "button primary" }, t("security.changePassword")),
    ),
    async (data) => {
      await accounts.changePassword(String(data.get("current_password")), String(data.get("new_password")));
      toast(t("security.passwordChanged"));
    },
  );
  const sessionList = h("ul", { class: "session-list", "aria-labelledby": "security-sessions" });
  async function showSessions() {
    try {
      const found = await accounts.sessions();
      sessionList.replaceChildren(
        ...found.map((s) => {
          const end = s.current ? h("span", { class: "muted small" }, t("security.thisDevice")) : h("button", { type: "button", class: "button small", "data-session": s.id }, t("security.signOut"));
          if (!s.current) {
            end.addEventListener("click", async () => {
              await accounts.endSession(s.id).catch((err) => toast(err.message, "error"));
              showSessions();
            });
          }
          return h("li", { class: "session" }, h("span", {}, h("span", { class: "strong" }, s.device), h("span", { class: "muted small" }, t("security.sessionMeta", { ip: s.ip, when: timeAgo(s.last_used_at) }))), end);
        }),
      );
    } catch (err) {
      sessionList.replaceChildren(errorBox(err));
    }
  }
  const everywhere = h("button", { type: "button", class: "button" }, t("security.signOutOthers"));
  everywhere.addEventListener("click", async () => {
    try {
      const { revoked } = await accounts.endOtherSessions();
      toast(t("security.signedOutOthers", { n: revoked }));
    } catch (err) {
      toast(err.message, "error");
    }
    showSessions();
  });
  showSessions();
  const logout = h("button", { type: "button", class: "button wide", "data-action": "logout" }, t("nav.logout"));
  logout.addEventListener("click", () => window.shutter.logout());
  return h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card settings" },
      h("h1", {}, t("security.title")),
      h("h2", { id: "security-email" }, t("recover.email")),
      emailState,
      emailForm,
      h("h2", { id: "security-password" }, t("mfa.password")),
      passwordForm,
      h("h2", {}, t("security.twoFactor")),
      totpSection(),
      h("h2", { id: "security-sessions" }, t("security.sessions")),
      sessionList,
      everywhere,
      h("h2", {}, t("security.thisDevice")),
      logout,
      h("p", { class: "small" }, h("a", { href: "/settings" }, t("profile.edit"))),
    ),
  );
  void ctx;
}
