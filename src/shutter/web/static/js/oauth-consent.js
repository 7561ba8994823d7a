// The OAuth consent page (/oauth/authorize): signs in first if needed (the web client's
// own login, which comes back here), then posts Allow or Deny and follows the redirect.
// The page is the server's (oauth/api.py) in English; its words are replaced here by the
// catalogue's, in the language the web client uses (the same localStorage choice).
import { t, tParts } from "./i18n.js";
import { describeScope } from "./scopes.js";

const TOKEN_KEY = "shutter.token";

const root = document.getElementById("consent");
const params = new URLSearchParams(location.search);
const token = localStorage.getItem(TOKEN_KEY);
if (!token) {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
} else {
  const app = document.getElementById("consent-app");
  app.textContent = root.dataset.clientName;
  document.title = t("consent.pageTitle");
  document.getElementById("consent-title").replaceChildren(...tParts("consent.title", { app }));
  document.getElementById("consent-intro").textContent = t("consent.intro");
  document.getElementById("consent-allow").textContent = t("consent.allow");
  document.getElementById("consent-deny").textContent = t("consent.deny");
  const list = document.getElementById("consent-scopes");
  for (const scope of root.dataset.scopes.split(" ")) {
    const item = document.createElement("li");
    item.textContent = describeScope(scope);
    list.append(item);
  }
  document.getElementById("consent-allow").addEventListener("click", () => decide(true));
  document.getElementById("consent-deny").addEventListener("click", () => decide(false));
}

async function decide(approve) {
  const status = document.getElementById("consent-status");
  const body = { approve };
  for (const key of ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"]) {
    if (params.has(key)) body[key] = params.get(key);
  }
  const response = await fetch("/oauth/authorize", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    status.textContent = answer.error?.message || answer.error_description || t("consent.failed");
    return;
  }
  if (answer.redirect_to) {
    location.assign(answer.redirect_to);
  } else {
    status.textContent = answer.code ? t("consent.code", { code: answer.code }) : t("consent.denied");
  }
}
