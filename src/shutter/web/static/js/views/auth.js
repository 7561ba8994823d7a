// Sign up and log in. The token is kept in localStorage by api.js.

import * as api from "../api.js";
import { h } from "../dom.js";
import { t, tParts } from "../i18n.js";
import { codeStep } from "./mfa.js";

function field(label, attrs, hint) {
  const id = `f-${attrs.name}`;
  const hintId = hint ? `${id}-hint` : null;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, "aria-describedby": hintId || undefined, ...attrs }),
    hint ? h("p", { class: "field-hint muted small", id: hintId }, hint) : null,
  );
}

// The server's codes and fields, in words a person reads next to the field concerned.
const CODE_MESSAGES = {
  username_taken: ["username", "auth.usernameTaken"],
  email_taken: ["email", "auth.emailTaken"],
  invalid_credentials: ["password", "auth.wrongCredentials"],
};
// What a field must hold, and what to say when it is empty.
const FIELD_MESSAGES = {
  username: "auth.usernameRule",
  email: "auth.emailRule",
  password: "auth.passwordRule",
  login: "auth.enterLogin",
};
const EMPTY_MESSAGES = {
  login: "auth.enterLogin",
  email: "auth.enterEmail",
  username: "auth.enterUsername",
  password: "auth.enterPassword",
};

/** Checks what can be checked here; returns {field: message} for what is wrong. */
function checkLocally(form) {
  const problems = {};
  for (const input of form.querySelectorAll("input")) {
    const value = input.value.trim();
    if (!value) problems[input.name] = t(EMPTY_MESSAGES[input.name] || "auth.invalid");
    else if (input.name === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) problems.email = t(FIELD_MESSAGES.email);
    else if (input.name === "username" && form.dataset.kind === "signup" && !/^[A-Za-z0-9._]{1,30}$/.test(value)) problems.username = t(FIELD_MESSAGES.username);
    else if (input.name === "password" && form.dataset.kind === "signup" && input.value.length < 8) problems.password = t(FIELD_MESSAGES.password);
  }
  return problems;
}

/** An API error as {field: message}, or {"": message} for the form as a whole. */
function problemsFrom(err, form) {
  if (CODE_MESSAGES[err.code]) {
    const [name, key] = CODE_MESSAGES[err.code];
    return { [form.elements[name] ? name : ""]: t(key) };
  }
  if (err.code === "validation_error") {
    const out = {};
    for (const d of err.details || []) {
      const name = String(d.field || "").split(".").pop();
      if (form.elements[name] && FIELD_MESSAGES[name]) out[name] = t(FIELD_MESSAGES[name]);
    }
    if (Object.keys(out).length) return out;
    return { "": t("auth.invalid") };
  }
  if (err.status === 429) return { "": t("auth.tooMany") };
  return { "": err.message || t("auth.failed") };
}

function clearProblems(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((e) => e.remove());
  for (const input of form.querySelectorAll("input")) {
    input.removeAttribute("aria-invalid");
    const hint = input.id + "-hint";
    if (document.getElementById(hint)) input.setAttribute("aria-describedby", hint);
    else input.removeAttribute("aria-describedby");
  }
}

/** Shows each message under its field (aria-invalid, aria-describedby) and focuses the first. */
function showProblems(form, problems) {
  let first = null;
  for (const [name, message] of Object.entries(problems)) {
    const input = name && form.elements[name];
    if (!input) {
      form.append(h("p", { class: "form-error", role: "alert" }, message));
      continue;
    }
    const id = `${input.id}-error`;
    input.closest(".field").append(h("p", { class: "field-error", id }, message));
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [id, input.getAttribute("aria-describedby")].filter(Boolean).join(" "));
    first = first || input;
  }
  if (first) first.focus();
}

function authCard(title, form, footer) {
  return h(
    "section",
    { class: "auth" },
    h("div", { class: "card auth-card" }, h("div", { class: "auth-brand" }, h("span", { class: "brand-mark big" }), h("h1", {}, title)), form),
    h("div", { class: "card auth-footer" }, footer),
  );
}

async function submitting(form, action) {
  const button = form.querySelector("button[type=submit]");
  clearProblems(form);
  const local = checkLocally(form);
  if (Object.keys(local).length) return showProblems(form, local);
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    showProblems(form, problemsFrom(err, form));
  } finally {
    button.disabled = false;
  }
}

function afterSignIn(ctx) {
  const next = ctx.query.get("next");
  const safe = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  // The OAuth consent page is the server's, not one of the client's routes: load it.
  if (safe.startsWith("/oauth/")) return window.shutter.startSession().then(() => location.replace(safe));
  return window.shutter.startSession().then(() => ctx.navigate(safe, { replace: true }));
}

export function loginView(ctx) {
  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { kind: "login" } },
    field(t("auth.loginField"), { name: "login", autocomplete: "username", required: true, autocapitalize: "none" }),
    field(t("auth.password"), { name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "button primary wide" }, t("nav.login")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    submitting(form, async () => {
      try {
        await api.login(String(data.get("login")).trim(), String(data.get("password")));
      } catch (err) {
        if (err.code !== "mfa_required") throw err;
        // Two-factor sign-in: the code step replaces the form (views/mfa.js).
        form.replaceWith(codeStep(err.challenge, () => afterSignIn(ctx)));
        return;
      }
      await afterSignIn(ctx);
    });
  });
  form.append(h("p", { class: "center small" }, h("a", { href: "/forgot-password" }, t("auth.forgot"))));
  return authCard(t("nav.login"), form, tParts("auth.noAccount", { link: h("a", { href: "/signup" }, t("auth.signupLink")) }));
}

export function signupView(ctx) {
  const form = h(
    "form",
    { class: "form", novalidate: true, dataset: { kind: "signup" } },
    h("p", { class: "muted center" }, t("auth.signupIntro")),
    field(t("auth.email"), { name: "email", type: "email", autocomplete: "email", required: true }),
    field(t("auth.username"), { name: "username", autocomplete: "username", required: true, autocapitalize: "none", maxlength: 30 }),
    field(t("auth.password"), { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }, t("auth.passwordHint")),
    h("button", { type: "submit", class: "button primary wide" }, t("nav.signup")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    submitting(form, async () => {
      await api.register(String(data.get("username")).trim(), String(data.get("email")).trim(), String(data.get("password")));
      await afterSignIn(ctx);
    });
  });
  return authCard(t("auth.createAccount"), form, tParts("auth.haveAccount", { link: h("a", { href: "/login" }, t("auth.loginLink")) }));
}
