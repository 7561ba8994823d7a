// The pre-signed upload flow (DESIGN §5): ask for a ticket, send the bytes straight to the
// object store with XMLHttpRequest (for progress events), complete, and poll until the
// media is ready or failed. Every failure is an ApiError whose message says why.

import { ApiError, completeMedia, createMedia, errorFrom, getMedia } from "./api.js";
import { t } from "./i18n.js";

const POLL_INTERVAL_MS = 700;
const POLL_TIMEOUT_MS = 5 * 60 * 1000;

function contentTypeOf(file) {
  if (file.type) return file.type;
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  const byExt = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif", avif: "image/avif", mp4: "video/mp4", mov: "video/quicktime", webm: "video/webm" };
  return byExt[ext] || "application/octet-stream";
}

export async function sendBytes(ticket, file, contentType, onProgress) {
  if (!ticket.upload_parts) return sendOne(ticket, file, contentType, onProgress);
  // A large archive on a store that needs it: each part PUT to its own URL, one after the
  // other; the server assembles them when the import is asked for.
  let sent = 0;
  for (const part of ticket.upload_parts) {
    const slice = file.slice(part.offset, part.offset + part.size_bytes);
    const target = { upload_method: "PUT", upload_url: part.url, upload_headers: {} };
    await sendOne(target, slice, contentType, (f) => onProgress((sent + f * part.size_bytes) / file.size));
    sent += part.size_bytes;
  }
}

function sendOne(ticket, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const method = (ticket.upload_method || "PUT").toUpperCase();
    xhr.open(method, ticket.upload_url);
    let body = file;
    if (method === "POST" && ticket.upload_fields) {
      // An S3 pre-signed POST: the signed fields, then the file last.
      body = new FormData();
      for (const [k, v] of Object.entries(ticket.upload_fields)) body.append(k, v);
      body.append("file", file);
    } else {
      const headers = ticket.upload_headers || { "Content-Type": contentType };
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(await errorFrom(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", t("upload.interrupted")));
    xhr.send(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Uploads one file; `onProgress(fraction, phase)` reports 0..1 while the bytes go up and
 * then phase "processing". Resolves with the ready media object.
 */
export async function uploadFile(file, onProgress = () => {}) {
  const contentType = contentTypeOf(file);
  const ticket = await createMedia(contentType, file.size);
  onProgress(0, "uploading");
  await sendBytes(ticket, file, contentType, (f) => onProgress(f, "uploading"));
  onProgress(1, "processing");
  let media = await completeMedia(ticket.media_id);
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  while (media.status === "pending" || media.status === "processing") {
    if (Date.now() > deadline) throw new ApiError(0, "processing_timeout", t("upload.tooLong"));
    await sleep(POLL_INTERVAL_MS);
    media = await getMedia(ticket.media_id);
  }
  if (media.status === "failed") {
    const why = media.error ? media.error.message : t("upload.notProcessed");
    throw new ApiError(422, (media.error && media.error.code) || "media_failed", why);
  }
  return media;
}
