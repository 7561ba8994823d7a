// Two-factor sign-in: the code step of a login, and the set-up in Settings → Security.

import * as accounts from "../accounts.js";
import { auth, loadMe } from "../api.js";
import { errorBox, h, toast } from "../dom.js";
import { t } from "../i18n.js";

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
    h("p", { class: "muted center" }, t("mfa.enterCode")),
    codeField("f-code", t("mfa.securityCode")),
    h("button", { type: "submit", class: "button primary wide" }, t("mfa.confirm")),
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
      const message = err.code === "invalid_code" ? t("mfa.wrongCode") : err.status === 429 ? t("mfa.tooMany") : err.message;
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
  const start = h("button", { type: "button", class: "button" }, t("mfa.setUp"));
  start.addEventListener("click", async () => {
    try {
      const setup = await accounts.beginTotp();
      // segno's SVG, made by the server from the secret: no script in it.
      const qr = h("div", { class: "totp-qr", role: "img", "aria-label": t("mfa.qr") });
      qr.innerHTML = setup.qr_svg;
      const form = h(
        "form",
        { class: "form", novalidate: true },
        h("p", {}, t("mfa.scan")),
        qr,
        h("p", {}, h("code", { class: "totp-secret" }, setup.secret)),
        codeField("s-totp-code", t("mfa.codeFromApp")),
        h("button", { type: "submit", class: "button primary" }, t("mfa.turnOn")),
      );
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        form.querySelectorAll(".form-error, .error").forEach((x) => x.remove());
        try {
          const { recovery_codes: codes } = await accounts.confirmTotp(String(new FormData(form).get("code")).trim());
          box.replaceChildren(
            h("p", { class: "strong" }, t("mfa.isOn")),
            h("p", {}, t("mfa.keepCodes")),
            h("ul", { class: "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
          );
          toast(t("mfa.isOn"));
        } catch (err) {
          form.append(err.code === "invalid_code" ? h("p", { class: "form-error", role: "alert" }, t("mfa.wrongCodeClock")) : errorBox(err));
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
    h("p", {}, t("mfa.offIntro")),
    h("div", { class: "field" }, h("label", { for: "s-totp-password" }, t("mfa.password")), h("input", { id: "s-totp-password", name: "password", type: "password", autocomplete: "current-password" })),
    codeField("s-totp-off-code", t("mfa.codeFromApp")),
    h("button", { type: "submit", class: "button" }, t("mfa.turnOff")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    form.querySelectorAll(".form-error, .error").forEach((x) => x.remove());
    const data = new FormData(form);
    try {
      await accounts.disableTotp(String(data.get("password")), String(data.get("code")).trim());
      form.replaceWith(h("p", {}, t("mfa.isOff")));
    } catch (err) {
      form.append(errorBox(err));
    }
  });
  return form;
}
