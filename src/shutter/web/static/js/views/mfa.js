// Two-factor sign-in: the code step of a login, and the set-up in Settings → Security.

import * as accounts from "../accounts.js";
import { auth, loadMe } from "../api.js";
import { errorBox, h, toast } from "../dom.js";

function codeField(id, label) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: "code", autocomplete: "one-time-code", inputmode: "text", required: true, autocapitalize: "none", maxlength: 32 }),
  );
}

/** The second step of a login that answered `mfa_required`. */
export function codeStep(challenge, done) {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", { class: "muted center" }, "Enter the 6-digit code from your authenticator app, or one of your recovery codes."),
    codeField("f-code", "Security code"),
    h("button", { type: "submit", class: "button primary wide" }, "Confirm"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error").forEach((x) => x.remove());
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await accounts.loginWithCode(challenge, String(new FormData(form).get("code")).trim());
      await loadMe();
      await done();
    } catch (err) {
      const message = err.code === "invalid_code" ? "That code is not right, or was used already." : err.status === 429 ? "Too many codes tried. Wait a minute and try again." : err.message;
      form.append(h("p", { class: "form-error", role: "alert" }, message));
      if (err.status === 401) auth.token = null;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Settings → Security: turn two-factor sign-in on (QR code, first code, recovery codes) or off. */
export function totpSection() {
  const box = h("div", { class: "totp" });
  const start = h("button", { type: "button", class: "button" }, "Set up an authenticator app");
  start.addEventListener("click", async () => {
    try {
      const setup = await accounts.beginTotp();
      // segno's SVG, made by the server from the secret: no script in it.
      const qr = h("div", { class: "totp-qr", role: "img", "aria-label": "QR code for your authenticator app" });
      qr.innerHTML = setup.qr_svg;
      const form = h(
        "form",
        { class: "form", novalidate: true },
        h("p", {}, "Scan this code with your authenticator app, or type the key:"),
        qr,
        h("p", {}, h("code", { class: "totp-secret" }, setup.secret)),
        codeField("s-totp-code", "Code from the app"),
        h("button", { type: "submit", class: "button primary" }, "Turn on"),
      );
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        form.querySelectorAll(".form-error, .error").forEach((x) => x.remove());
        try {
          const { recovery_codes: codes } = await accounts.confirmTotp(String(new FormData(form).get("code")).trim());
          box.replaceChildren(
            h("p", { class: "strong" }, "Two-factor sign-in is on."),
            h("p", {}, "Keep these recovery codes somewhere safe. Each works once if you lose your phone; they are shown only now."),
            h("ul", { class: "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
          );
          toast("Two-factor sign-in is on.");
        } catch (err) {
          form.append(err.code === "invalid_code" ? h("p", { class: "form-error", role: "alert" }, "That code is not right. Check your phone's clock.") : errorBox(err));
        }
      });
      box.replaceChildren(form);
    } catch (err) {
      if (err.code === "mfa_already_enabled") box.replaceChildren(offForm());
      else box.replaceChildren(errorBox(err));
    }
  });
  box.append(start);
  return box;
}

function offForm() {
  const form = h(
    "form",
    { class: "form", novalidate: true },
    h("p", {}, "Two-factor sign-in is on. To turn it off, confirm with your password and a code."),
    h("div", { class: "field" }, h("label", { for: "s-totp-password" }, "Password"), h("input", { id: "s-totp-password", name: "password", type: "password", autocomplete: "current-password" })),
    codeField("s-totp-off-code", "Code from the app"),
    h("button", { type: "submit", class: "button" }, "Turn off"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error, .error").forEach((x) => x.remove());
    const data = new FormData(form);
    try {
      await accounts.disableTotp(String(data.get("password")), String(data.get("code")).trim());
      form.replaceWith(h("p", {}, "Two-factor sign-in is off."));
    } catch (err) {
      form.append(errorBox(err));
    }
  });
  return form;
}
