// Forgot password, reset password (from the mailed link), and the verify-email landing
// page. The token of a link is read from the URL fragment and then wiped from the URL.

import * as accounts from "../accounts.js";
import { auth } from "../api.js";
import { h } from "../dom.js";

function card(title, ...children) {
  return h(
    "section",
    { class: "auth" },
    h("div", { class: "card auth-card" }, h("div", { class: "auth-brand" }, h("span", { class: "brand-mark big" }), h("h1", {}, title)), ...children),
    h("div", { class: "card auth-footer" }, h("a", { href: "/login" }, "Back to log in")),
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
  if (err.code === "token_expired") return "This link has expired. Ask for a new one.";
  if (err.code === "invalid_token") return "This link is not valid or was used already. Ask for a new one.";
  if (err.status === 429) return "Too many attempts. Wait a while and try again.";
  return err.message || "Something went wrong. Try again.";
}

export function forgotPasswordView() {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", { class: "muted center" }, "Enter the email address of your account and we'll send you a link to get back into it."),
    field("Email", { name: "email", type: "email", autocomplete: "email", required: true }),
    h("button", { type: "submit", class: "button primary wide" }, "Send reset link"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const email = String(new FormData(form).get("email")).trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return problem(form, "Enter a valid email address, like name@example.com.");
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const answer = await accounts.requestPasswordReset(email);
      form.replaceChildren(h("p", { class: "notice", role: "status" }, answer.message));
    } catch (err) {
      problem(form, err.status === 429 ? "Too many requests. Wait a while and try again." : err.message);
    } finally {
      button.disabled = false;
    }
  });
  return card("Trouble logging in?", form);
}

export function resetPasswordView(ctx) {
  const token = accounts.tokenFromLink();
  history.replaceState(history.state, "", location.pathname); // the token leaves the URL bar
  if (!token) return card("Reset your password", h("p", { class: "form-error", role: "alert" }, "This page needs the link from the mail. "), h("a", { href: "/forgot-password" }, "Ask for a new link"));
  const form = h(
    "form",
    { class: "form", novalidate: true },
    field("New password", { name: "new_password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }, "At least 8 characters."),
    h("button", { type: "submit", class: "button primary wide" }, "Reset password"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const password = String(new FormData(form).get("new_password"));
    if (password.length < 8) return problem(form, "Use at least 8 characters for your password.");
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await accounts.confirmPasswordReset(token, password);
      auth.token = null; // every session of the account has ended
      auth.refreshToken = null;
      auth.me = null;
      form.replaceChildren(
        h("p", { class: "notice", role: "status" }, "Your password has been reset. Every device was signed out."),
        h("a", { href: "/login", class: "button primary wide" }, "Log in"),
      );
    } catch (err) {
      problem(form, tokenMessage(err));
    } finally {
      button.disabled = false;
    }
  });
  void ctx;
  return card("Choose a new password", form);
}

export function verifyEmailView() {
  const token = accounts.tokenFromLink();
  history.replaceState(history.state, "", location.pathname);
  const status = h("p", { class: "muted", role: "status" }, token ? "Confirming your email address…" : "");
  const box = card("Confirm your email", status);
  if (!token) {
    status.replaceWith(h("p", { class: "form-error", role: "alert" }, "This page needs the link from the mail."));
    return box;
  }
  accounts.verifyEmail(token).then(
    (result) => {
      if (auth.me) auth.me.emailVerified = true;
      document.querySelector(".verify-banner")?.remove();
      status.replaceWith(h("p", { class: "notice", role: "status" }, `Thanks! ${result.email} is confirmed.`), h("a", { href: "/", class: "button primary wide" }, "Continue"));
    },
    (err) => status.replaceWith(h("p", { class: "form-error", role: "alert" }, tokenMessage(err))),
  );
  return box;
}

/** A banner above the page while the signed-in account's email is unconfirmed. */
export function verifyBanner(me) {
  if (!me || me.emailVerified !== false) return null;
  const resend = h("button", { type: "button", class: "button link small" }, "Send the link again");
  const banner = h("div", { class: "verify-banner notice", role: "status" }, `Confirm your email: open the link we sent to ${me.email}. `, resend);
  resend.addEventListener("click", async () => {
    resend.disabled = true;
    try {
      await accounts.resendVerification();
      resend.replaceWith(h("span", {}, "A new link is on its way."));
    } catch (err) {
      resend.replaceWith(h("span", {}, err.code === "already_verified" ? "Your email is confirmed." : err.message));
    }
  });
  return banner;
}
