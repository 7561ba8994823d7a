// Forgot password, reset password (from the mailed link), and the verify-email landing
// page. The token of a link is read from the URL fragment and then wiped from the URL.

import * as accounts from "../accounts.js";
import { auth } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

function card(title, ...children) {
  return h(
    "section",
    { class: "auth" },
    h("div", { class: "card auth-card" }, h("div", { class: "auth-brand" }, h("span", { class: "brand-mark big" }), h("h1", {}, title)), ...children),
    h("div", { class: "card auth-footer" }, h("a", { href: "/login" }, t("recover.backToLogin"))),
  );
}

function field(label, attrs, hint) {
  const id = `f-${attrs.name}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, "aria-describedby": hint ? `${id}-hint` : undefined, ...attrs }),
    hint ? h("p", { class: "field-hint muted small", id: `${id}-hint` }, hint) : null,
  );
}

function problem(form, message) {
  form.querySelectorAll(".form-error").forEach((e) => e.remove());
  if (message) form.append(h("p", { class: "form-error", role: "alert" }, message));
}

function tokenMessage(err) {
  if (err.code === "token_expired") return t("recover.linkExpired");
  if (err.code === "invalid_token") return t("recover.linkInvalid");
  if (err.status === 429) return t("recover.tooMany");
  return err.message || t("error.generic");
}

export function forgotPasswordView() {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", { class: "muted center" }, t("recover.intro")),
    field(t("recover.email"), { name: "email", type: "email", autocomplete: "email", required: true }),
    h("button", { type: "submit", class: "button primary wide" }, t("recover.send")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const email = String(new FormData(form).get("email")).trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return problem(form, t("recover.badEmail"));
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await accounts.requestPasswordReset(email);
      form.replaceChildren(h("p", { class: "notice", role: "status" }, t("recover.sent")));
    } catch (err) {
      problem(form, err.status === 429 ? t("recover.tooManyRequests") : err.message);
    } finally {
      button.disabled = false;
    }
  });
  return card(t("recover.troubleTitle"), form);
}

export function resetPasswordView(ctx) {
  const token = accounts.tokenFromLink();
  history.replaceState(history.state, "", location.pathname); // the token leaves the URL bar
  if (!token) return card(t("recover.resetTitle"), h("p", { class: "form-error", role: "alert" }, t("recover.needsLink")), h("a", { href: "/forgot-password" }, t("recover.askNew")));
  const form = h(
    "form",
    { class: "form", novalidate: true },
    field(t("recover.newPassword"), { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }, t("recover.atLeast8")),
    h("button", { type: "submit", class: "button primary wide" }, t("recover.reset")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const password = String(new FormData(form).get("new_password"));
    if (password.length < 8) return problem(form, t("recover.shortPassword"));
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await accounts.confirmPasswordReset(token, password);
      auth.token = null; // every session of the account has ended
      auth.refreshToken = null;
      auth.me = null;
      form.replaceChildren(
        h("p", { class: "notice", role: "status" }, t("recover.done")),
        h("a", { href: "/login", class: "button primary wide" }, t("nav.login")),
      );
    } catch (err) {
      problem(form, tokenMessage(err));
    } finally {
      button.disabled = false;
    }
  });
  void ctx;
  return card(t("recover.chooseTitle"), form);
}

export function verifyEmailView() {
  const token = accounts.tokenFromLink();
  history.replaceState(history.state, "", location.pathname);
  const status = h("p", { class: "muted", role: "status" }, token ? t("recover.confirming") : "");
  const box = card(t("recover.confirmTitle"), status);
  if (!token) {
    status.replaceWith(h("p", { class: "form-error", role: "alert" }, t("recover.needsLink")));
    return box;
  }
  accounts.verifyEmail(token).then(
    (result) => {
      if (auth.me) auth.me.emailVerified = true;
      document.querySelector(".verify-banner")?.remove();
      status.replaceWith(h("p", { class: "notice", role: "status" }, t("recover.confirmed", { email: result.email })), h("a", { href: "/", class: "button primary wide" }, t("recover.continue")));
    },
    (err) => status.replaceWith(h("p", { class: "form-error", role: "alert" }, tokenMessage(err))),
  );
  return box;
}

/** A banner above the page while the signed-in account's email is unconfirmed. */
/** The banner's "resend" (the banner itself is drawn by app.js with the screen). */
export async function resendVerification(resend) {
  try {
    await accounts.resendVerification();
    resend.replaceWith(h("span", {}, t("recover.resent")));
  } catch (err) {
    resend.replaceWith(h("span", {}, err.code === "already_verified" ? t("recover.alreadyConfirmed") : err.message));
  }
}
