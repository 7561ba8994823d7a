// Direct messages: the inbox, a new group, and a conversation (with one person or a
// group) that updates live over the WebSocket (falling back to polling while the socket
// is down): read receipts per member, photos and videos, unsend, one reaction per member,
// and a group's members (add, remove, leave) and name.

import * as api from "../api.js";
import { auth } from "../api.js";
import { avatar, confirmDialog, errorBox, h, menuButton, modal, spinner, timeAgo, timeEl, toast, unavailable, uuid } from "../dom.js";
import * as realtime from "../realtime.js";
import { uploadFile } from "../upload.js";
import { openReport } from "./report.js";
import { linkedPostId, postLink, sharePreview, sharedPostCard } from "./shared.js";
import { t } from "../i18n.js";

const POLL_MS = 3000;
const GROUP_MAX = 32; // members, you included
const QUICK_REACTIONS = ["❤️", "😂", "😮", "😢", "👍", "🔥"];

const unavailableCard = () => h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("nav.messages")), unavailable(t("dm.direct"))));

/** A group's picture: the first letter of its name (or of "Group") in a circle. */
function groupAvatar(conv, size) {
  return avatar({ username: conv.title, displayName: conv.name || t("dm.group") }, size);
}

export async function inboxView(ctx) {
  let convs;
  let requests;
  try {
    [convs, requests] = await Promise.all([api.conversations(), api.conversations("requests")]);
  } catch (err) {
    if (err.unavailable) return unavailableCard();
    throw err;
  }
  const share = ctx.query.get("share");
  const suffix = share ? `?share=${encodeURIComponent(share)}` : "";
  const preview = (c) => {
    if (!c.last) return c.isGroup ? t("dm.newGroup") : "";
    const who = c.last.senderId === (auth.me && auth.me.id) ? t("dm.youPrefix") : c.isGroup && c.last.sender ? t("dm.namePrefix", { name: c.last.sender.username }) : "";
    return `${who}${lastText(c.last).slice(0, 60)} · ${timeAgo(c.last.sentAt)}`;
  };
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
            c.isGroup ? groupAvatar(c, 52) : avatar(c.other, 52),
            h("span", { class: "user-row-names" }, h("span", { class: "strong" }, c.title), h("span", { class: "muted" }, preview(c))),
            c.unread ? h("span", { class: "badge" }, h("span", { "aria-hidden": "true" }, String(c.unread)), h("span", { class: "visually-hidden" }, `, ${c.unread} unread`)) : null,
          ),
        ),
      ),
    );
  // A new group or someone leaving one: the inbox is read again.
  const onEvent = (e) => {
    const type = (e.detail || {}).type;
    if (type === "conversation_added" || type === "conversation_left") ctx.navigate(location.pathname + location.search, { replace: true });
  };
  window.addEventListener("shutter:event", onEvent);
  ctx.onLeave(() => window.removeEventListener("shutter:event", onEvent));
  return h(
    "section",
    { class: "narrow" },
    h(
      "div",
      { class: "card" },
      h("div", { class: "inbox-head" }, h("h1", {}, t("nav.messages")), share ? null : h("a", { href: "/direct/new", class: "button small" }, t("dm.newGroup"))),
      share ? h("p", { class: "muted" }, t("dm.chooseToShare")) : null,
      // Requests: people you don't follow. Replying or accepting moves one to the inbox.
      requests.length ? h("h2", { class: "inbox-heading" }, `Requests (${requests.length})`) : null,
      requests.length ? list(requests) : null,
      requests.length && convs.length ? h("h2", { class: "inbox-heading" }, t("dm.inbox")) : null,
      convs.length ? list(convs) : requests.length ? null : h("p", { class: "muted center" }, t("dm.none")),
    ),
  );
}

/** What a message says in one line (the inbox, notices). */
function lastText(m) {
  if (m.unsent) return t("dm.unsent");
  if (m.system) return noticeText(m);
  if (m.content) return m.content;
  if (m.media) return m.media.type === "video" ? t("dm.sentVideo") : t("dm.sentPhoto");
  if (m.post) return t("dm.sentPost");
  return "";
}

function noticeText(m) {
  const byMe = m.senderId === (auth.me && auth.me.id);
  const actor = (m.sender && (m.sender.username || m.sender.displayName)) || t("dm.someone");
  const names = m.system.users.map((u) => (u.id === (auth.me && auth.me.id) ? t("dm.youObject") : u.username || u.displayName)).join(", ");
  const say = (key, params) => t(byMe ? `${key}ByYou` : key, { actor, names, ...params });
  switch (m.system.action) {
    case "added":
      return say("notice.added");
    case "removed":
      return say("notice.removed");
    case "left":
      return say("notice.left");
    case "renamed":
      return m.system.name ? say("notice.renamed", { name: m.system.name }) : say("notice.unnamed");
    default:
      return "";
  }
}

/** People picked by username (a search box, results to add, the chosen ones to take back). */
function peoplePicker(exclude = new Set()) {
  const chosen = new Map(); // id -> user
  const input = h("input", { id: "people-search", type: "search", autocomplete: "off", placeholder: t("dm.searchPeople"), "aria-describedby": "people-hint" });
  const results = h("ul", { class: "user-list people-results", "aria-label": t("dm.searchResults") });
  const picked = h("ul", { class: "chips", "aria-label": t("dm.chosen") });
  const listeners = [];
  const changed = () => listeners.forEach((fn) => fn(chosen));
  function paintPicked() {
    picked.replaceChildren(
      ...[...chosen.values()].map((u) =>
        h(
          "li",
          { class: "chip" },
          u.username,
          h("button", { type: "button", class: "chip-remove", "aria-label": t("dm.takeOut", { name: u.username }), onClick: () => {
            chosen.delete(u.id);
            paintPicked();
            changed();
          } }, "×"),
        ),
      ),
    );
  }
  let timer = null;
  let asked = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return results.replaceChildren();
    timer = setTimeout(async () => {
      const mine = ++asked;
      let users = [];
      try {
        users = await api.search(q, "users");
      } catch {
        return;
      }
      if (mine !== asked) return;
      const shown = users.filter((u) => u.id !== (auth.me && auth.me.id) && !exclude.has(u.id));
      results.replaceChildren(
        ...(shown.length
          ? shown.map((u) =>
              h(
                "li",
                { class: "user-row" },
                avatar(u, 32),
                h("span", { class: "user-row-names" }, h("span", { class: "strong" }, u.username), h("span", { class: "muted" }, u.displayName)),
                h("button", { type: "button", class: "button small", disabled: chosen.has(u.id), onClick: (e) => {
                  chosen.set(u.id, u);
                  e.currentTarget.disabled = true;
                  paintPicked();
                  changed();
                } }, t("dm.addName", { name: u.username })),
              ),
            )
          : [h("li", { class: "muted" }, t("dm.nobodyFound"))]),
      );
    }, 250);
  });
  const el = h("div", { class: "people-picker" }, h("label", { for: "people-search" }, t("dm.people")), h("p", { id: "people-hint", class: "muted small" }, t("dm.searchHint")), input, results, picked);
  return { el, chosen, onChange: (fn) => listeners.push(fn) };
}

export function newGroupView(ctx) {
  const name = h("input", { id: "group-name", name: "name", maxlength: 100, autocomplete: "off", placeholder: t("dm.optional") });
  const picker = peoplePicker();
  const create = h("button", { type: "submit", class: "button primary", disabled: true }, t("dm.createGroup"));
  const hint = h("p", { class: "muted small", "aria-live": "polite" }, t("dm.chooseRange", { max: GROUP_MAX - 1 }));
  const errors = h("div", {});
  picker.onChange((chosen) => {
    create.disabled = chosen.size < 2 || chosen.size > GROUP_MAX - 1;
    hint.textContent = chosen.size < 2 ? t("dm.chooseRange", { max: GROUP_MAX - 1 }) : t("dm.chosenCount", { n: chosen.size });
  });
  const form = h("form", { class: "group-form" }, h("label", { for: "group-name" }, t("dm.groupName")), name, picker.el, hint, create, errors);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    create.disabled = true;
    try {
      const conv = await api.createGroup([...picker.chosen.keys()], name.value.trim());
      ctx.navigate(`/direct/${conv.id}`);
    } catch (err) {
      create.disabled = false;
      errors.append(errorBox(err));
    }
  });
  return h("section", { class: "narrow" }, h("div", { class: "card" }, h("h1", {}, t("dm.newGroup")), form));
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
      known = [...inbox, ...requests].find((c) => !c.isGroup && c.other.id === other.id) || null;
    }
  } catch (err) {
    if (err.unavailable) return unavailableCard();
    throw err;
  }
  if (known) {
    conversationId = known.id;
    if (!known.isGroup) other = other || known.other;
  }
  let conv = known; // the conversation as last read (members, name, read state)
  const isGroup = !!(conv && conv.isGroup);
  if (!other && !isGroup) return h("div", { class: "empty" }, h("p", { class: "empty-title" }, t("dm.notFound")), h("a", { href: "/direct" }, t("dm.backToMessages")));

  const me = auth.me.id;
  const title = () => (isGroup ? conv.title : other.username);
  const thread = h("ol", { class: "thread", "aria-live": "polite", "aria-label": isGroup ? t("dm.groupLabel", { name: title() }) : t("dm.conversationWith", { name: other.username }) });
  const seen = h("p", { class: "read-receipt muted", hidden: true }, t("dm.seen"));
  const bySeq = new Map();
  const pending = new Map(); // client id -> element, until the server echoes it
  let lastSeq = 0;
  let otherReadSeq = known ? known.otherReadSeq : 0;
  let gone = false; // left or removed from the group

  function attachment(m) {
    if (m.media) return mediaView(m.media);
    if (m.post) return sharedPostCard(m.post);
    const linked = linkedPostId(m.content);
    if (linked) return sharedPostCard({ id: linked, available: true, thumbUrl: null, author: null });
    if (m.story) return h("span", { class: "msg-ref muted" }, m.story.available ? t("dm.storyReply") : t("dm.storyReplyGone"));
    return null;
  }
  function reactionsRow(m) {
    if (!m.reactions.length) return null;
    const counts = new Map();
    for (const r of m.reactions) counts.set(r.emoji, (counts.get(r.emoji) || 0) + 1);
    const who = m.reactions.map((r) => `${nameOf(r.userId)} ${r.emoji}`).join(", ");
    return h(
      "span",
      { class: "msg-reactions", role: "group", "aria-label": t("dm.reactions", { who }) },
      [...counts].map(([emoji, n]) => h("span", { class: `reaction${m.reactions.some((r) => r.userId === me && r.emoji === emoji) ? " mine" : ""}`, "aria-hidden": "true" }, emoji, n > 1 ? h("span", { class: "reaction-count" }, String(n)) : null)),
    );
  }
  function nameOf(userId) {
    if (userId === me) return "you";
    const member = conv && conv.members.find((x) => x.user.id === userId);
    if (member) return member.user.username || "someone";
    if (!isGroup && other && other.id === userId) return other.username;
    return "someone";
  }
  function actions(m, mine) {
    if (!m.id || m.unsent || m.system) return null;
    const mineReaction = m.reactions.find((r) => r.userId === me);
    const items = QUICK_REACTIONS.map((emoji) => ({ label: t("dm.react", { emoji }), onSelect: () => setReaction(m, emoji) }));
    if (mineReaction) items.push({ label: t("dm.removeReaction"), onSelect: () => setReaction(m, null) });
    if (mine) items.push({ label: t("dm.unsend"), danger: true, onSelect: () => unsend(m) });
    else items.push({ label: t("common.report"), onSelect: () => openReport("message", m.id, "message") });
    return menuButton(t("dm.moreActions", { time: timeAgo(m.sentAt) }), items);
  }
  function bubble(m, mine) {
    if (m.system) return h("li", { class: "msg-notice muted", dataset: { seq: String(m.seq || ""), id: m.id || "" } }, noticeText(m));
    if (m.unsent) return h("li", { class: `msg unsent${mine ? " mine" : ""}`, dataset: { seq: String(m.seq || ""), id: m.id || "" } }, h("span", { class: "msg-text" }, mine ? t("dm.youUnsent") : t("dm.unsent")), h("span", { class: "msg-time" }, timeEl(m.sentAt)));
    // A post sent without words carries only its link as text: the card says it all.
    const onlyLink = (m.post && m.content === postLink(m.post.id)) || linkedPostId(m.content);
    const from = isGroup && !mine && m.sender ? h("span", { class: "msg-from" }, m.sender.username || m.sender.displayName) : null;
    const body = h(
      "div",
      { class: `msg${mine ? " mine" : ""}${m.post || onlyLink || m.media ? " has-post" : ""}` },
      from,
      attachment(m),
      onlyLink || !m.content ? null : h("span", { class: "msg-text" }, m.content),
      h("span", { class: "msg-time" }, timeEl(m.sentAt)),
    );
    return h("li", { class: `msg-row${mine ? " mine" : ""}`, dataset: { seq: String(m.seq || ""), id: m.id || "" } }, body, reactionsRow(m), actions(m, mine));
  }
  function paintSeen() {
    const mineLast = [...bySeq.values()].filter((m) => m.senderId === me && !m.system).pop();
    if (!mineLast) {
      seen.hidden = true;
      return;
    }
    if (!isGroup) {
      seen.textContent = t("dm.seen");
      seen.hidden = !(otherReadSeq >= mineLast.seq);
      return;
    }
    const readers = conv.members.filter((x) => x.user.id !== me && x.readSeq >= mineLast.seq).map((x) => x.user.username);
    seen.hidden = !readers.length;
    seen.textContent = readers.length === conv.members.length - 1 ? t("dm.seenByEveryone") : t("dm.seenBy", { names: readers.join(", ") });
  }
  function place(el, seq) {
    const old = thread.querySelector(`[data-seq="${seq}"]`);
    if (old) return old.replaceWith(el);
    // Keep sequence order even if an older message arrives late.
    const after = [...thread.children].find((c) => Number(c.dataset.seq) > seq);
    thread.insertBefore(el, after || null);
  }
  function repaint(m) {
    bySeq.set(m.seq, m);
    place(bubble(m, m.senderId === me), m.seq);
  }
  function add(m) {
    if (!m.seq || bySeq.has(m.seq)) return;
    bySeq.set(m.seq, m);
    const el = bubble(m, m.senderId === me);
    const placeholder = m.clientId && pending.get(m.clientId);
    if (placeholder) {
      placeholder.replaceWith(el);
      pending.delete(m.clientId);
    } else {
      place(el, m.seq);
    }
    lastSeq = Math.max(lastSeq, m.seq);
    if (m.system) refresh();
    paintSeen();
    el.scrollIntoView({ block: "end" });
  }
  async function refresh() {
    // Members, name and read state after a notice or a read receipt.
    if (!conversationId) return;
    try {
      conv = await api.conversation(conversationId);
    } catch (err) {
      if (err.status === 404) return leftGroup();
      return;
    }
    otherReadSeq = conv.otherReadSeq;
    paintHead();
    paintSeen();
  }
  async function catchUp() {
    if (!conversationId || gone) return;
    for (;;) {
      const page = await api.messagesAfter(conversationId, lastSeq);
      page.items.forEach(add);
      if (!page.hasMore || !page.items.length) break;
    }
    if (lastSeq) api.markConversationRead(conversationId, lastSeq).then(ctx.refreshBadges, () => {});
  }
  async function setReaction(m, emoji) {
    try {
      const reactions = emoji ? await api.react(m.id, emoji) : (await api.unreact(m.id), m.reactions.filter((r) => r.userId !== me));
      repaint({ ...m, reactions });
    } catch (err) {
      toast(err.message, "error");
    }
  }
  async function unsend(m) {
    if (!(await confirmDialog(t("dm.unsendTitle"), t("dm.unsendText"), t("dm.unsend")))) return;
    try {
      await api.unsendMessage(m.id);
      repaint({ ...m, unsent: true, content: "", media: null, post: null, story: null, reactions: [] });
    } catch (err) {
      toast(err.message, "error");
    }
  }

  const text = h("input", { id: "message-text", name: "content", placeholder: t("dm.placeholder"), autocomplete: "off", maxlength: 1000, "aria-label": t("profile.message") });
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
  if (shared) text.placeholder = t("dm.addMessage");

  // A photo or video goes up as soon as it is picked (the normal upload pipeline), and
  // with the next message.
  let attached = null; // {file, url, promise, media, el}
  const file = h("input", { type: "file", id: "message-file", accept: "image/*,video/*", class: "visually-hidden", tabindex: "-1", "aria-label": t("dm.photoOrVideo") });
  const attach = h("button", { type: "button", class: "icon-button attach-button", "aria-label": t("dm.attach"), onClick: () => file.click() }, "+");
  const attachArea = h("div", { class: "attach-preview", hidden: true, "aria-live": "polite" });
  function dropAttachment() {
    if (attached) URL.revokeObjectURL(attached.url);
    attached = null;
    attachArea.hidden = true;
    attachArea.replaceChildren();
  }
  file.addEventListener("change", () => {
    const chosen = file.files && file.files[0];
    file.value = "";
    if (!chosen) return;
    dropAttachment();
    const url = URL.createObjectURL(chosen);
    const status = h("span", { class: "muted" }, t("upload.uploading"));
    const thumb = chosen.type.startsWith("video/") ? h("video", { src: url, muted: true, playsinline: true, preload: "metadata", "aria-label": t("dm.videoToSend") }) : h("img", { src: url, alt: t("dm.photoToSend") });
    const remove = h("button", { type: "button", class: "button link small", onClick: dropAttachment }, t("common.remove"));
    attachArea.replaceChildren(thumb, status, remove);
    attachArea.hidden = false;
    const mine = { file: chosen, url, media: null };
    mine.promise = uploadFile(chosen, (fraction, phase) => {
      status.textContent = phase === "processing" ? t("upload.processing") : t("upload.progress", { percent: Math.round(fraction * 100) });
    }).then(
      (media) => {
        mine.media = media;
        if (attached === mine) status.textContent = t("dm.ready");
        return media;
      },
      (err) => {
        if (attached === mine) {
          status.textContent = t("dm.uploadFailed");
          errors.replaceChildren(errorBox(err));
        }
        throw err;
      },
    );
    mine.promise.catch(() => {});
    attached = mine;
  });

  const form = h("form", { class: "message-form" }, file, attach, text, h("button", { type: "submit", class: "button link" }, t("common.send")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (gone) return;
    const sharing = shared && shared.info;
    const withMedia = attached;
    const content = text.value.trim() || (sharing ? postLink(sharing.id) : "");
    if (!content && !withMedia) return;
    errors.replaceChildren();
    const clientId = uuid();
    const post = sharing ? { ...sharing } : null;
    if (shared) {
      shared.el.remove();
      shared = null;
    }
    const temp = bubble({ content, post, media: null, reactions: [], sentAt: new Date().toISOString() }, true);
    temp.classList.add("sending");
    pending.set(clientId, temp);
    thread.append(temp);
    text.value = "";
    try {
      let mediaId = null;
      if (withMedia) {
        attachArea.hidden = true;
        mediaId = (await withMedia.promise).id;
        if (attached === withMedia) dropAttachment();
      }
      const sent = conversationId
        ? await api.sendToConversation(conversationId, content, clientId, post && post.id, mediaId)
        : await api.sendMessage(other.id, content, clientId, post && post.id, mediaId);
      const first = !conversationId;
      conversationId = String(sent.conversation_id);
      if (first) history.replaceState(null, "", `/direct/${conversationId}`);
      if (mediaId) {
        // The message's picture comes from the server (its links are the conversation's).
        pending.delete(clientId);
        temp.remove();
        await catchUp();
      } else {
        add({ id: String(sent.message_id), conversationId, senderId: me, sender: null, content, post, media: null, system: null, unsent: false, reactions: [], seq: Number(sent.seq), sentAt: sent.sent_at, clientId });
      }
    } catch (err) {
      temp.classList.add("failed");
      if (withMedia) attachArea.hidden = false;
      errors.append(errorBox(err.unavailable ? { message: t("dm.unavailable") } : err));
    }
  });

  function leftGroup() {
    gone = true;
    form.hidden = true;
    errors.replaceChildren(h("p", { class: "notice muted" }, t("dm.noLongerIn")));
  }

  const onEvent = (e) => {
    const data = e.detail || {};
    const payload = data.message || data.data || data;
    const here = String(payload.conversation_id) === conversationId;
    if (data.type === "message" && here) {
      const m = api.normMessage(payload);
      // A gap before this seq means a lost event: fetch everything after what we hold.
      if (m.seq > lastSeq + 1) catchUp().catch(() => {});
      else add(m);
      api.markConversationRead(conversationId, Math.max(lastSeq, m.seq)).catch(() => {});
    } else if (data.type === "read" && here && String(payload.user_id ?? payload.reader_id) !== me) {
      const upTo = Number(payload.up_to_seq ?? payload.seq ?? 0);
      otherReadSeq = Math.max(otherReadSeq, upTo);
      if (conv) {
        const member = conv.members.find((x) => x.user.id === String(payload.user_id));
        if (member) member.readSeq = Math.max(member.readSeq, upTo);
      }
      paintSeen();
    } else if (data.type === "message_unsent" && here) {
      const m = bySeq.get(Number(payload.seq));
      if (m) repaint({ ...m, unsent: true, content: "", media: null, post: null, story: null, reactions: [] });
    } else if (data.type === "reaction" && here) {
      const m = [...bySeq.values()].find((x) => x.id === String(payload.message_id));
      if (m) {
        const reactions = m.reactions.filter((r) => r.userId !== String(payload.user_id));
        if (payload.emoji) reactions.push({ userId: String(payload.user_id), emoji: payload.emoji });
        repaint({ ...m, reactions });
      }
    } else if (data.type === "conversation_left" && here && String(payload.user_id) === me) {
      leftGroup();
    } else if (data.type === "message" && !conversationId && !isGroup && String(payload.sender_id) === other.id) {
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
    dropAttachment();
  });

  // The header: the other person, or the group with its details (members, name, leave).
  const head = h("header", { class: "conversation-head" });
  function paintHead() {
    const back = h("a", { href: "/direct", class: "button link small", "aria-label": t("dm.backToInbox") }, "‹");
    if (!isGroup) {
      head.replaceChildren(back, avatar(other, 32), h("h1", {}, h("a", { href: `/u/${other.username}` }, other.username)));
      return;
    }
    head.replaceChildren(
      back,
      groupAvatar(conv, 32),
      h("div", { class: "conversation-title" }, h("h1", {}, conv.title), h("span", { class: "muted small" }, `${conv.members.length} members`)),
      h("button", { type: "button", class: "button small", onClick: openDetails }, t("dm.details")),
    );
  }
  function openDetails() {
    const amAdmin = conv.members.some((x) => x.user.id === me && x.role === "admin");
    const nameInput = h("input", { id: "group-rename", maxlength: 100, value: conv.name || "", autocomplete: "off" });
    const detailErrors = h("div", {});
    const rename = h("form", { class: "group-rename" }, h("label", { for: "group-rename" }, t("dm.groupName")), nameInput, h("button", { type: "submit", class: "button small" }, t("dm.saveName")));
    let ref = null;
    rename.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        conv = await api.renameGroup(conv.id, nameInput.value.trim());
        paintHead();
        toast(t("dm.nameSaved"));
      } catch (err) {
        detailErrors.replaceChildren(errorBox(err));
      }
    });
    const mineLast = [...bySeq.values()].filter((m) => !m.system).pop();
    const readState = (x) => (x.user.id === me ? t("dm.you") : mineLast && x.readSeq >= mineLast.seq ? t("dm.seenEverything") : x.readSeq ? t("dm.readUpTo", { seq: x.readSeq }) : t("dm.notRead"));
    const members = h(
      "ul",
      { class: "user-list group-members", "aria-label": t("dm.members") },
      conv.members.map((x) =>
        h(
          "li",
          { class: "user-row" },
          avatar(x.user, 32),
          h("span", { class: "user-row-names" }, h("span", { class: "strong" }, x.user.username || x.user.displayName, x.role === "admin" ? h("span", { class: "muted" }, " · admin") : null), h("span", { class: "muted member-read" }, readState(x))),
          amAdmin && x.user.id !== me
            ? h("button", { type: "button", class: "button small", onClick: async () => {
                try {
                  await api.removeMember(conv.id, x.user.id);
                  ref.close();
                  await refresh();
                } catch (err) {
                  detailErrors.replaceChildren(errorBox(err));
                }
              } }, t("dm.removeName", { name: x.user.username }))
            : null,
        ),
      ),
    );
    const picker = peoplePicker(new Set(conv.members.map((x) => x.user.id)));
    const addButton = h("button", { type: "button", class: "button small primary", disabled: true }, t("dm.addToGroup"));
    picker.onChange((chosen) => (addButton.disabled = !chosen.size || chosen.size + conv.members.length > GROUP_MAX));
    addButton.addEventListener("click", async () => {
      try {
        conv = await api.addMembers(conv.id, [...picker.chosen.keys()]);
        ref.close();
        paintHead();
      } catch (err) {
        detailErrors.replaceChildren(errorBox(err));
      }
    });
    const leave = h("button", { type: "button", class: "button danger" }, t("dm.leaveGroup"));
    leave.addEventListener("click", async () => {
      if (!(await confirmDialog(t("dm.leaveTitle"), t("dm.leaveText"), t("dm.leave")))) return;
      try {
        await api.removeMember(conv.id, me);
        ref.close();
        ctx.navigate("/direct");
      } catch (err) {
        detailErrors.replaceChildren(errorBox(err));
      }
    });
    ref = modal(t("dm.details"), h("div", { class: "group-details" }, rename, h("h3", {}, t("dm.members")), members, conv.members.length < GROUP_MAX ? h("div", { class: "group-add" }, h("h3", {}, t("dm.addPeople")), picker.el, addButton) : h("p", { class: "muted" }, t("dm.groupMax", { max: GROUP_MAX })), leave, detailErrors));
  }
  paintHead();

  const view = h(
    "section",
    { class: "narrow" },
    h("div", { class: "card conversation" }, head, known && known.isRequest ? acceptBar(known) : null, thread, seen, shared ? shared.el : null, attachArea, form, errors),
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

/** A photo or video in a message (its links expire: reopening the conversation renews them). */
function mediaView(media) {
  if (media.type === "video") {
    return h("video", { class: "msg-media", src: media.urls.original, poster: media.posterUrl || null, controls: true, playsinline: true, preload: "metadata", "aria-label": t("dm.video") });
  }
  const ratio = media.width && media.height ? media.width / media.height : 1;
  return h("img", { class: "msg-media", src: media.urls.medium, alt: t("dm.photo"), width: 240, height: Math.round(240 / ratio), loading: "lazy" });
}

// A message request: accepting moves it to the inbox (replying does too).
function acceptBar(conv) {
  const who = conv.isGroup ? t("dm.addedTo", { name: conv.title }) : t("dm.wantsToSend", { name: conv.other.username });
  const bar = h("p", { class: "muted request-bar" }, `${who} `);
  const button = h("button", { type: "button", class: "button small" }, t("dm.accept"));
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
