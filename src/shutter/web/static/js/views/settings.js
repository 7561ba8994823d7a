// Settings → Security: email (with its confirmation state), password, and log out (also
// reachable here on phones, where the navigation bar is short of room).

import * as accounts from "../accounts.js";
import * as api from "../api.js";
import { errorBox, h, timeAgo, toast } from "../dom.js";
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
        wrong_password: "That password is not right.",
        email_taken: "Another account already uses this email.",
        validation_error: "Check these details: a valid email, and at least 8 characters for a password.",
      };
      form.append(messages[err.code] ? h("p", { class: "form-error", role: "alert" }, messages[err.code]) : errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function securityView(ctx) {
  const me = await api.loadMe();
  const emailState = h("p", { class: "muted small" }, me.emailVerified ? `${me.email} · confirmed` : `${me.email} · not confirmed yet`);
  const emailForm = onSubmit(
    h(
      "form",
      { class: "form", novalidate: true, "aria-labelledby": "security-email" },
      field("New email", { name: "new_email", type: "email", autocomplete: "email", required: true }),
      field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
      h("button", { type: "submit", class: "button primary" }, "Change email"),
    ),
    async (data) => {
      const result = await accounts.changeEmail(String(data.get("password")), String(data.get("new_email")).trim());
      emailState.textContent = `${result.email} · not confirmed yet`;
      toast(`We sent a confirmation link to ${result.email}.`);
    },
  );
  const passwordForm = onSubmit(
    h(
      "form",
      { class: "form", novalidate: true, "aria-labelledby": "security-password" },
      field("Current password", { name: "current_password", type: "password", autocomplete: "current-password", required: true }),
      field("New password", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
      h("button", { type: "submit", class: "button primary" }, "Change password"),
    ),
    async (data) => {
      await accounts.changePassword(String(data.get("current_password")), String(data.get("new_password")));
      toast("Password changed. Your other devices were signed out.");
    },
  );
  const sessionList = h("ul", { class: "session-list", "aria-labelledby": "security-sessions" });
  async function showSessions() {
    try {
      const found = await accounts.sessions();
      sessionList.replaceChildren(
        ...found.map((s) => {
          const end = s.current ? h("span", { class: "muted small" }, "This device") : h("button", { type: "button", class: "button small", "data-session": s.id }, "Sign out");
          if (!s.current) {
            end.addEventListener("click", async () => {
              await accounts.endSession(s.id).catch((err) => toast(err.message, "error"));
              showSessions();
            });
          }
          return h("li", { class: "session" }, h("span", {}, h("span", { class: "strong" }, s.device), h("span", { class: "muted small" }, ` · ${s.ip} · active ${timeAgo(s.last_used_at)}`)), end);
        }),
      );
    } catch (err) {
      sessionList.replaceChildren(errorBox(err));
    }
  }
  const everywhere = h("button", { type: "button", class: "button" }, "Sign out everywhere else");
  everywhere.addEventListener("click", async () => {
    try {
      const { revoked } = await accounts.endOtherSessions();
      toast(revoked === 1 ? "Signed out of 1 other device." : `Signed out of ${revoked} other devices.`);
    } catch (err) {
      toast(err.message, "error");
    }
    showSessions();
  });
  showSessions();
  const logout = h("button", { type: "button", class: "button wide", "data-action": "logout" }, "Log out");
  logout.addEventListener("click", () => window.shutter.logout());
  return h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card settings" },
      h("h1", {}, "Security"),
      h("h2", { id: "security-email" }, "Email"),
      emailState,
      emailForm,
      h("h2", { id: "security-password" }, "Password"),
      passwordForm,
      h("h2", {}, "Two-factor sign-in"),
      totpSection(),
      h("h2", { id: "security-sessions" }, "Where you're signed in"),
      sessionList,
      everywhere,
      h("h2", {}, "This device"),
      logout,
      h("p", { class: "small" }, h("a", { href: "/settings" }, "Edit profile")),
    ),
  );
  void ctx;
}
