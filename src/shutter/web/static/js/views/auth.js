// Sign up and log in. The token is kept in localStorage by api.js.

import * as api from "../api.js";
import { errorBox, h } from "../dom.js";

function field(label, attrs) {
  const id = `f-${attrs.name}`;
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
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
  form.querySelectorAll(".form-error").forEach((e) => e.remove());
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    form.append(errorBox(err));
  } finally {
    button.disabled = false;
  }
}

function afterSignIn(ctx) {
  const next = ctx.query.get("next");
  return window.shutter.startSession().then(() => ctx.navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true }));
}

export function loginView(ctx) {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    field("Username or email", { name: "login", autocomplete: "username", required: true, autocapitalize: "none" }),
    field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "button primary wide" }, "Log in"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    submitting(form, async () => {
      await api.login(String(data.get("login")).trim(), String(data.get("password")));
      await afterSignIn(ctx);
    });
  });
  return authCard("Log in", form, ["Don't have an account? ", h("a", { href: "/signup" }, "Sign up")]);
}

export function signupView(ctx) {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", { class: "muted center" }, "Sign up to see photos and videos from your friends."),
    field("Email", { name: "email", type: "email", autocomplete: "email", required: true }),
    field("Username", { name: "username", autocomplete: "username", required: true, autocapitalize: "none", maxlength: 30 }),
    field("Password", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
    h("button", { type: "submit", class: "button primary wide" }, "Sign up"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    submitting(form, async () => {
      await api.register(String(data.get("username")).trim(), String(data.get("email")).trim(), String(data.get("password")));
      await afterSignIn(ctx);
    });
  });
  return authCard("Create your account", form, ["Have an account? ", h("a", { href: "/login" }, "Log in")]);
}
