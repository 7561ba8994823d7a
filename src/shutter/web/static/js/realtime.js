// The WebSocket (WS /api/v1/ws?token=): events {type: message|read|notification, ...} are
// re-dispatched as window "shutter:event" CustomEvents. Reconnects with backoff; views that
// need live data also poll while `connected` is false, so a missing socket endpoint only
// makes updates slower.

import { auth, socketUrl } from "./api.js";

let socket = null;
let retry = 0;
let timer = null;
let stopped = true;
export let connected = false;

export function start() {
  stopped = false;
  connect();
}

export function stop() {
  stopped = true;
  clearTimeout(timer);
  if (socket) socket.close();
  socket = null;
  connected = false;
}

function connect() {
  if (stopped || !auth.token || socket) return;
  let ws;
  try {
    ws = new WebSocket(socketUrl());
  } catch {
    return schedule();
  }
  socket = ws;
  ws.onopen = () => {
    connected = true;
    retry = 0;
    window.dispatchEvent(new CustomEvent("shutter:socket", { detail: { connected: true } }));
  };
  ws.onmessage = (e) => {
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    window.dispatchEvent(new CustomEvent("shutter:event", { detail: data }));
  };
  ws.onclose = () => {
    const was = connected;
    connected = false;
    socket = null;
    if (was) window.dispatchEvent(new CustomEvent("shutter:socket", { detail: { connected: false } }));
    schedule();
  };
}

function schedule() {
  if (stopped) return;
  retry += 1;
  // 1 s, 2 s, 4 s ... up to a minute: a server without the socket is not hammered.
  const delay = Math.min(60000, 1000 * 2 ** Math.min(retry - 1, 6)) * (0.75 + Math.random() / 2);
  timer = setTimeout(connect, delay);
}
