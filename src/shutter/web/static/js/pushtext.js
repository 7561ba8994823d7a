// The words of push notifications. The server sends each push's facts (kind, who, how
// many, a comment's words; a message's sender) with an English sentence; the service
// worker (sw.js) has no catalogue of its own, so on every start the page hands it the
// catalogue entries it needs, in the reader's language, and the worker keeps them (Cache
// Storage) to word each push itself, falling back to the English sentence until then.

import { entryOf, language } from "./i18n.js";

const KEYS = [
  "notif.like",
  "notif.comment",
  "notif.reply",
  "notif.comment_like",
  "notif.follow",
  "notif.follow_request",
  "notif.follow_accepted",
  "notif.mention",
  "notif.post",
  "notif.story",
  "notif.whoTwo",
  "notif.whoOneAndOthers",
  "notif.whoTwoAndOthers",
  "count.others",
  "pushtext.newMessage",
  "pushtext.messageWithText",
  "pushtext.mentionInPost",
  "pushtext.fallback",
];

export function sendPushTexts() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => {
      const texts = Object.fromEntries(KEYS.map((key) => [key, entryOf(key)]));
      registration.active?.postMessage({ type: "push-texts", language, texts });
    })
    .catch(() => {});
}
