// The WebSocket (WS /api/v1/ws?ticket=, a ticket from POST /ws/ticket): events {type: message|read|notification, ...} are
// re-dispatched as window "shutter:event" CustomEvents. The protocol (docs/messages.md):
// the server says "hello" once events flow, then sends a "ping" every heartbeat_s, which
// we answer with a "pong"; a silent server is given up on and the socket reopened.
// Reconnects with backoff, at once after a slow-consumer close (4008); never with a
// refused token (4401). "shutter:socket" {connected: true} fires on every hello, so views
// catch up by after_seq then. Views also poll while `connected` is false.

import { auth, socketUrl } from "./api.js";

const SLOW_CONSUMER = 4008;
const UNAUTHENTICATED = 4401;

let socket = null;
let opening = false; // asking for a ticket, before the socket exists
let retry = 0;
let timer = null;
let watchdog = null;
let stopped = true;
export let connected = false;

export function start() {
  stopped = false;
  connect();
}

export function stop() {
  stopped = true;
  clearTimeout(timer);
  clearTimeout(watchdog);
  if (socket) socket.close();
  socket = null;
  connected = false;
}

async function connect() {
  if (stopped || !auth.token || socket || opening) return;
  opening = true;
  let ws;
  try {
    ws = new WebSocket(await socketUrl());
  } catch {
    return schedule();
  } finally {
    opening = false;
  }
  if (stopped || socket) {
    ws.close();
    return;
  }
  socket = ws;
  let heartbeatMs = 20000;
  // No frame for two and a half heartbeats: the connection is dead even if TCP has not said so.
  const watch = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => ws.close(), heartbeatMs * 2.5);
  };
  ws.onopen = watch;
  ws.onmessage = (e) => {
    watch();
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    if (data.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (data.type === "hello") {
      heartbeatMs = 1000 * (data.heartbeat_s || 20);
      watch();
      connected = true;
      retry = 0;
      window.dispatchEvent(new CustomEvent("shutter:socket", { detail: { connected: true } }));
    } else {
      window.dispatchEvent(new CustomEvent("shutter:event", { detail: data }));
    }
  };
  ws.onclose = (e) => {
    clearTimeout(watchdog);
    const was = connected;
    connected = false;
    if (socket === ws) socket = null;
    if (was) window.dispatchEvent(new CustomEvent("shutter:socket", { detail: { connected: false } }));
    if (e.code === UNAUTHENTICATED) return; // the next HTTP call's 401 logs out
    if (e.code === SLOW_CONSUMER) retry = 0;
    schedule();
  };
}

function schedule() {
  if (stopped) return;
  retry += 1;
  // At once after a clean reason to reconnect, then 1 s, 2 s, 4 s ... up to a minute.
  const delay = retry === 1 ? 0 : Math.min(60000, 1000 * 2 ** Math.min(retry - 2, 6)) * (0.75 + Math.random() / 2);
  clearTimeout(timer);
  timer = setTimeout(connect, delay);
}
