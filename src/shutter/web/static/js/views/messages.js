// Direct messages: the inbox and a conversation that updates live over the WebSocket
// (falling back to polling while the socket is down), with read receipts.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, errorBox, h, spinner, timeAgo, timeEl, unavailable, uuid } from "../dom.js";
import * as realtime from "../realtime.js";
import { linkedPostId, postLink, sharePreview, sharedPostCard } from "./shared.js";

const POLL_MS = 3000;

export async function inboxView(ctx) {
  let convs;
  let requests;
  try {
    [convs, requests] = await Promise.all([api.conversations(), api.conversations("requests")]);
  } catch (err) {
    if (err.unavailable) return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Messages"), unavailable("Direct messages")));
    throw err;
  }
  const share = ctx.query.get("share");
  const suffix = share ? `?share=${encodeURIComponent(share)}` : "";
  const list = (items) =>
    h(
      "ul",
      { class: "inbox" },
      items.map((c) =>
        h(
          "li",
          { class: `inbox-row${c.unread ? " unread" : ""}` },
          h(
            "a",
            { href: `/direct/${c.id}${suffix}`, class: "user-row-link" },
            avatar(c.other, 52),
            h(
              "span",
              { class: "user-row-names" },
              h("span", { class: "strong" }, c.other.username),
              h("span", { class: "muted" }, c.last ? `${c.last.senderId === (auth.me && auth.me.id) ? "You: " : ""}${c.last.content.slice(0, 60)} · ${timeAgo(c.last.sentAt)}` : ""),
            ),
            c.unread ? h("span", { class: "badge" }, h("span", { "aria-hidden": "true" }, String(c.unread)), h("span", { class: "visually-hidden" }, `, ${c.unread} unread`)) : null,
          ),
        ),
      ),
    );
  return h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card" },
      h("h1", {}, "Messages"),
      share ? h("p", { class: "muted" }, "Choose a conversation to send the post to.") : null,
      // Requests: people you don't follow. Replying or accepting moves one to the inbox.
      requests.length ? h("h2", { class: "inbox-heading" }, `Requests (${requests.length})`) : null,
      requests.length ? list(requests) : null,
      requests.length && convs.length ? h("h2", { class: "inbox-heading" }, "Inbox") : null,
      convs.length ? list(convs) : requests.length ? null : h("p", { class: "muted center" }, "No messages yet. Open someone's profile and press Message."),
    ),
  );
}

export async function conversationView(ctx) {
  let conversationId = ctx.params.conversationId || null;
  let other;
  if (ctx.params.username) {
    const u = await api.userByName(ctx.params.username);
    other = { id: u.id, username: u.username, displayName: u.displayName, avatarUrl: u.avatarUrl };
  }
  let known = null;
  try {
    if (conversationId) {
      known = await api.conversation(conversationId).catch((err) => {
        if (err.status === 404 && !err.unavailable) return null;
        throw err;
      });
    } else {
      const [inbox, requests] = await Promise.all([api.conversations(), api.conversations("requests")]);
      known = [...inbox, ...requests].find((c) => c.other.id === other.id) || null;
    }
  } catch (err) {
    if (err.unavailable) return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, "Messages"), unavailable("Direct messages")));
    throw err;
  }
  if (known) {
    conversationId = known.id;
    other = other || known.other;
  }
  if (!other) return h("div", { class: "empty" }, h("p", { class: "empty-title" }, "Conversation not found"), h("a", { href: "/direct" }, "Back to messages"));

  const thread = h("ol", { class: "thread", "aria-live": "polite", "aria-label": `Conversation with ${other.username}` });
  const seen = h("p", { class: "read-receipt muted", hidden: true }, "Seen");
  const bySeq = new Map();
  const pending = new Map(); // client id -> element, until the server echoes it
  let lastSeq = 0;
  let otherReadSeq = known ? known.otherReadSeq : 0;

  function attachment(m) {
    if (m.post) return sharedPostCard(m.post);
    const linked = linkedPostId(m.content);
    if (linked) return sharedPostCard({ id: linked, available: true, thumbUrl: null, author: null });
    if (m.story) return h("span", { class: "msg-ref muted" }, m.story.available ? "Replied to a story" : "Replied to a story that is no longer available");
    return null;
  }
  function bubble(m, mine) {
    // A post sent without words carries only its link as text: the card says it all.
    const onlyLink = (m.post && m.content === postLink(m.post.id)) || linkedPostId(m.content);
    return h("li", { class: `msg${mine ? " mine" : ""}${m.post || onlyLink ? " has-post" : ""}`, dataset: { seq: String(m.seq || "") } }, attachment(m), onlyLink ? null : h("span", { class: "msg-text" }, m.content), h("span", { class: "msg-time" }, timeEl(m.sentAt)));
  }
  function paintSeen() {
    const mineLast = [...bySeq.values()].filter((m) => m.senderId === auth.me.id).pop();
    seen.hidden = !(mineLast && otherReadSeq >= mineLast.seq);
  }
  function add(m) {
    if (!m.seq || bySeq.has(m.seq)) return;
    bySeq.set(m.seq, m);
    const mine = m.senderId === auth.me.id;
    const el = bubble(m, mine);
    const placeholder = m.clientId && pending.get(m.clientId);
    if (placeholder) {
      placeholder.replaceWith(el);
      pending.delete(m.clientId);
    } else {
      // Keep sequence order even if an older message arrives late.
      const after = [...thread.children].find((c) => Number(c.dataset.seq) > m.seq);
      thread.insertBefore(el, after || null);
    }
    lastSeq = Math.max(lastSeq, m.seq);
    paintSeen();
    el.scrollIntoView({ block: "end" });
  }
  async function catchUp() {
    if (!conversationId) return;
    for (;;) {
      const page = await api.messagesAfter(conversationId, lastSeq);
      page.items.forEach(add);
      if (!page.hasMore || !page.items.length) break;
    }
    if (lastSeq) api.markConversationRead(conversationId, lastSeq).then(ctx.refreshBadges, () => {});
  }

  const text = h("input", { id: "message-text", name: "content", placeholder: "Message…", autocomplete: "off", maxlength: 1000, "aria-label": "Message" });
  const errors = h("div", {});
  // Opened from a post's Share button: the post goes with the next message, as a card.
  const shareId = ctx.query.get("share");
  let shared = /^\d+$/.test(shareId || "")
    ? sharePreview(shareId, () => {
        shared.el.remove();
        shared = null;
        text.focus();
      })
    : null;
  if (shared) text.placeholder = "Add a message…";
  const form = h("form", { class: "message-form" }, text, h("button", { type: "submit", class: "button link" }, "Send"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const sharing = shared && shared.info;
    const content = text.value.trim() || (sharing ? postLink(sharing.id) : "");
    if (!content) return;
    errors.replaceChildren();
    const clientId = uuid();
    const post = sharing ? { ...sharing } : null;
    if (shared) {
      shared.el.remove();
      shared = null;
    }
    const temp = bubble({ content, post, sentAt: new Date().toISOString() }, true);
    temp.classList.add("sending");
    pending.set(clientId, temp);
    thread.append(temp);
    text.value = "";
    try {
      const sent = await api.sendMessage(other.id, content, clientId, post && post.id);
      const first = !conversationId;
      conversationId = String(sent.conversation_id);
      if (first) history.replaceState(null, "", `/direct/${conversationId}`);
      add({ id: String(sent.message_id), conversationId, senderId: auth.me.id, content, post, seq: Number(sent.seq), sentAt: sent.sent_at, clientId });
    } catch (err) {
      temp.classList.add("failed");
      errors.append(errorBox(err.unavailable ? { message: "Direct messages are not available yet." } : err));
    }
  });

  const onEvent = (e) => {
    const data = e.detail || {};
    const payload = data.message || data.data || data;
    if (data.type === "message" && String(payload.conversation_id) === conversationId) {
      const m = api.normMessage(payload);
      // A gap before this seq means a lost event: fetch everything after what we hold.
      if (m.seq > lastSeq + 1) catchUp().catch(() => {});
      else add(m);
      api.markConversationRead(conversationId, Math.max(lastSeq, m.seq)).catch(() => {});
    } else if (data.type === "read" && String(payload.conversation_id) === conversationId && String(payload.user_id ?? payload.reader_id) !== auth.me.id) {
      otherReadSeq = Math.max(otherReadSeq, Number(payload.up_to_seq ?? payload.seq ?? 0));
      paintSeen();
    } else if (data.type === "message" && !conversationId && String(payload.sender_id) === other.id) {
      conversationId = String(payload.conversation_id);
      catchUp();
    }
  };
  window.addEventListener("shutter:event", onEvent);
  // Catch up after a reconnect: delivery over the socket is at-least-once from lastSeq.
  const onSocket = (e) => e.detail.connected && catchUp().catch(() => {});
  window.addEventListener("shutter:socket", onSocket);
  const poll = setInterval(() => {
    if (!realtime.connected) catchUp().catch(() => {});
  }, POLL_MS);
  ctx.onLeave(() => {
    window.removeEventListener("shutter:event", onEvent);
    window.removeEventListener("shutter:socket", onSocket);
    clearInterval(poll);
  });

  const view = h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card conversation" },
      h("header", { class: "conversation-head" }, h("a", { href: "/direct", class: "button link small", "aria-label": "Back to inbox" }, "‹"), avatar(other, 32), h("h1", {}, h("a", { href: `/u/${other.username}` }, other.username))),
      known && known.isRequest ? acceptBar(known) : null,
      thread,
      seen,
      shared ? shared.el : null,
      form,
      errors,
    ),
  );
  if (conversationId) {
    thread.append(spinner());
    catchUp()
      .then(() => thread.querySelector(".spinner") && thread.querySelector(".spinner").remove())
      .catch((err) => thread.replaceChildren(errorBox(err)));
  }
  setTimeout(() => text.focus(), 0);
  return view;
}

// A message request: accepting moves it to the inbox (replying does too).
function acceptBar(conv) {
  const bar = h("p", { class: "muted request-bar" }, `${conv.other.username} wants to send you a message. `);
  const button = h("button", { type: "button", class: "button small" }, "Accept");
  button.addEventListener("click", async () => {
    try {
      await api.acceptConversation(conv.id);
      bar.remove();
    } catch (err) {
      bar.append(errorBox(err));
    }
  });
  bar.append(button);
  return bar;
}
