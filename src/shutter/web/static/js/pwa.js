// The installable app: registers the service worker (/sw.js), says when the app is
// offline, and offers a new version when one has been installed (it takes over on reload,
// never in the middle of something).

import { h } from "./dom.js";
import { t } from "./i18n.js";

const banner = h("div", { class: "offline-banner", role: "status", hidden: true }, t("pwa.offline"));

function paintOnline() {
  banner.hidden = navigator.onLine;
}

function offerUpdate(worker) {
  if (document.querySelector(".update-banner")) return;
  const reload = h("button", { type: "button", class: "button small primary" }, t("pwa.reload"));
  reload.addEventListener("click", () => worker.postMessage("skip-waiting"));
  document.body.append(h("div", { class: "update-banner", role: "status" }, h("span", {}, t("pwa.newVersion")), reload));
}

/** Logging out drops the offline copy of the feed (it is yours, not the next person's). */
export function forgetOfflineData() {
  if ("caches" in window) caches.delete("shutter-data").catch(() => {});
}

export function startPwa() {
  document.body.append(banner);
  paintOnline();
  window.addEventListener("online", paintOnline);
  window.addEventListener("offline", paintOnline);
  if (!("serviceWorker" in navigator)) return;
  let reloading = false;
  let controlled = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new version took over (after "Reload" here or in another tab): load it. The very
    // first worker taking control of a fresh page (a first visit) is not an update, but
    // the next one is.
    if (!controlled) {
      controlled = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  // Registered once the page has loaded: caching the shell must not slow the first visit.
  const register = () =>
    navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((registration) => {
      // A tab left open learns of a release when it comes back to the front (browsers
      // check by themselves only when a page is loaded).
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") registration.update().catch(() => {});
      });
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    })
    .catch((err) => console.warn("service worker not registered", err));
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
