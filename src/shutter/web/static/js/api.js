// The one module that knows the HTTP contract (DESIGN §7): paths, parameters and response
// shapes. Views get normalised objects from here, so a field that differs on the server
// is fixed in one place (the norm* functions at the bottom).

import { t } from "./i18n.js";

const BASE = "/api/v1";
const TOKEN_KEY = "shutter.token";
const REFRESH_KEY = "shutter.refresh";

// What a person reads for an error is chosen by the envelope's code from the catalogue
// (`error.<code>` in i18n.js; a validation error by its first field and that field's
// code); the server's English (`serverMessage`) only for a code the catalogue lacks.
const known = (key, params) => {
  const text = t(key, params);
  return text === key ? null : text;
};
const keyOf = (...parts) => parts.join(".");

/** One entry of a validation error's `details` ({field, code, message}) in words. */
export function fieldMessage(detail) {
  const field = String(detail.field || "").split(".").filter((part) => !/^\d+$/.test(part)).pop() || "";
  const code = detail.code || "";
  const name = field && known(keyOf("error.fieldName", field));
  return known(keyOf("error.field", field, code)) || known(keyOf("error.field", field)) || (name && known(keyOf("error.detail", code), { field: name })) || null;
}

// A code that says more on one call than in general: its words on that call.
const CALL_ERRORS = { "/exports": { POST: { rate_limited: "error.exportOnceADay" } } };

export function errorMessage(code, serverMessage, details = []) {
  const first = code === "validation_error" && details.length && "field" in details[0] ? fieldMessage(details[0]) : null;
  return first || known(keyOf("error", code)) || serverMessage;
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
  // The server has no such route yet (a feature not built or not merged): views show a
  // quiet "not available yet" instead of an error.
  get unavailable() {
    return (this.status === 404 && this.code === "not_found") || this.status === 405;
  }
}

export const auth = {
  get token() {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
  // The session's refresh token: a 401 is answered by one silent refresh, then a retry.
  get refreshToken() {
    return localStorage.getItem(REFRESH_KEY);
  },
  set refreshToken(value) {
    if (value) localStorage.setItem(REFRESH_KEY, value);
    else localStorage.removeItem(REFRESH_KEY);
  },
  me: null, // the signed-in user's profile, loaded by app.js
  onLoggedOut: () => {},
};

/** Turns any failed response into an ApiError carrying the envelope's code and message. */
export async function errorFrom(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: an S3 XML error, a proxy page... */
  }
  const err = body && body.error;
  if (err && err.message) {
    const error = new ApiError(status, err.code || "error", errorMessage(err.code, err.message, err.details || []), err.details);
    error.serverMessage = err.message;
    if (err.challenge) error.challenge = err.challenge; // 401 mfa_required
    return error;
  }
  const generic = {
    401: () => t("api.http401"),
    403: () => t("api.http403"),
    404: () => t("api.http404"),
    413: () => t("api.http413"),
    415: () => t("api.http415"),
    429: () => t("api.http429"),
  };
  return new ApiError(status, "http_" + status, generic[status] ? generic[status]() : t("api.httpOther", { status }));
}

let refreshing = null; // one refresh at a time, shared by the requests that hit a 401

/** Trade the refresh token for new tokens; false when the session is over. */
function refreshSession() {
  const token = auth.refreshToken;
  if (!token) return Promise.resolve(false);
  refreshing ||= fetch(BASE + "/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refresh_token: token }),
  })
    .then(async (response) => {
      if (!response.ok) return auth.refreshToken !== token; // another tab may have rotated it
      const data = await response.json();
      auth.token = data.access_token;
      auth.refreshToken = data.refresh_token;
      return true;
    })
    .catch(() => false)
    .finally(() => (refreshing = null));
  return refreshing;
}

// What the page's boot script (index.html) asked for while the modules loaded: the
// responses are taken once, by the same account, instead of asking again.
const boot = window.shutterBoot || {};
function takeBoot(name) {
  const early = boot[name];
  boot[name] = null;
  return early && boot.token === auth.token ? early : null;
}

export async function request(method, path, options = {}, retried = false) {
  const { body, query, headers, early } = options;
  const url = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const init = { method, headers: { Accept: "application/json", ...(headers || {}) } };
  if (auth.token) init.headers.Authorization = `Bearer ${auth.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await (early && !retried ? early : fetch(url, init));
  } catch {
    throw new ApiError(0, "network_error", t("api.offline"));
  }
  const text = await response.text();
  if (!response.ok) {
    const error = await errorFrom(response.status, text);
    const special = CALL_ERRORS[path]?.[method]?.[error.code];
    if (special) error.message = t(special);
    if (response.status === 401 && auth.token && error.code !== "invalid_credentials" && !retried && (await refreshSession())) {
      return request(method, path, options, true);
    }
    if (error.code === "account_suspended") window.dispatchEvent(new CustomEvent("shutter:suspended", { detail: error.details }));
    if (response.status === 401 && auth.token && error.code !== "invalid_credentials") {
      auth.token = null;
      auth.refreshToken = null;
      auth.me = null;
      auth.onLoggedOut();
    }
    throw error;
  }
  return text ? JSON.parse(text) : null;
}

const get = (path, query) => request("GET", path, { query });
const post = (path, body, headers) => request("POST", path, { body, headers });
const del = (path) => request("DELETE", path);
const page = (key, norm) => (data) => ({
  items: (data[key] || data.items || []).map(norm),
  next: data.next_cursor ?? null,
  raw: data,
});

// ---- accounts and profiles ----
export async function register(username, email, password) {
  const data = await post("/auth/register", { username, email, password });
  auth.token = data.access_token;
  auth.refreshToken = data.refresh_token;
  auth.me = normUser(data.user);
  return auth.me;
}
export async function login(loginName, password) {
  const data = await post("/auth/login", { login: loginName, password });
  auth.token = data.access_token;
  auth.refreshToken = data.refresh_token;
  return loadMe();
}
export async function loadMe() {
  auth.me = normUser(await request("GET", "/users/me", { early: takeBoot("me") }));
  return auth.me;
}
export function logout() {
  // Ends this session on the server too, which clears the page cookie (best effort:
  // signed out here either way).
  if (auth.token) endSession(auth.token, auth.refreshToken).catch(() => {});
  auth.token = null;
  auth.refreshToken = null;
  auth.me = null;
}
async function endSession(token, refreshToken) {
  const out = (access) => fetch(BASE + "/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${access}` } });
  // An access token that has expired says nothing: the session (and its page cookie)
  // would live on, so it is refreshed once and signed out with the new one.
  if ((await out(token)).status !== 401 || !refreshToken) return;
  const renewed = await fetch(BASE + "/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  if (renewed.ok) await out((await renewed.json()).access_token);
}
export async function updateMe(fields) {
  auth.me = normUser(await request("PATCH", "/users/me", { body: fields }));
  return auth.me;
}
export const user = async (id) => normUser(await get(`/users/${id}`));
export const userByName = async (name) =>
  normUser(await get(`/users/by-username/${encodeURIComponent(name)}`));
export const userPosts = (id, cursor) =>
  get(`/users/${id}/posts`, { cursor, limit: 18 }).then(page("posts", normPost));
export const followers = (id, cursor) =>
  get(`/users/${id}/followers`, { cursor }).then(page("users", normUser));
export const following = (id, cursor) =>
  get(`/users/${id}/following`, { cursor }).then(page("users", normUser));
export const follow = (id) => post(`/users/${id}/follow`).then((d) => d.status);
export const unfollow = (id) => del(`/users/${id}/follow`).then((d) => (d && d.status) || "none");
export const followRequests = (cursor) =>
  get("/follow-requests", { cursor }).then(page("users", normUser));
export const approveRequest = (id) => post(`/follow-requests/${id}/approve`);
export const rejectRequest = (id) => post(`/follow-requests/${id}/reject`);
export const block = (id) => post(`/users/${id}/block`);
export const unblock = (id) => del(`/users/${id}/block`);
// Quiet without blocking: mutes, removing a follower, comment filters.
export const mute = (id, posts, stories) =>
  post(`/users/${id}/mute`, { posts, stories }).then((d) => d.muting);
export const unmute = (id) => del(`/users/${id}/mute`).then((d) => d.muting);
// Apps granted access through OAuth (Mastodon apps), and taking that access back.
export const grantedApps = () => get("/oauth/grants");
export const revokeApp = (appId) => del(`/oauth/grants/${appId}`);
export const mutedAccounts = (cursor) =>
  get("/users/me/muted", { cursor, limit: 50 }).then((d) => ({
    items: (d.muted || []).map((m) => ({ user: normUser(m.user), muting: m.muting })),
    next: d.next_cursor ?? null,
  }));
export const removeFollower = (id) => del(`/users/me/followers/${id}`);
export const commentFilters = () => get("/users/me/comment-filters");
export const saveCommentFilters = (words, followersOnly) =>
  request("PUT", "/users/me/comment-filters", { body: { words, followers_only: followersOnly } });

// ---- media (the upload itself is in upload.js) ----
export const createMedia = (contentType, size) =>
  post("/media", { content_type: contentType, size_bytes: size });
export const completeMedia = (id) => post(`/media/${id}/complete`).then(normMedia);
export const getMedia = (id) => get(`/media/${id}`).then(normMedia);

// ---- posts and feed ----
// `options`: alt_texts {media id: text}, content_warning, comments_enabled, hide_like_count.
export const createPost = (mediaIds, caption, idempotencyKey, options = {}) =>
  post("/posts", { media_ids: mediaIds, caption, ...options }, { "Idempotency-Key": idempotencyKey }).then(
    (d) => normPost(d.post || d),
  );
// An edit: only the fields given change (caption, location, alt_texts, content_warning, …).
export const editPost = (id, fields) =>
  request("PATCH", `/posts/${id}`, { body: fields }).then((d) => normPost(d.post || d));
export const postHistory = (id) => get(`/posts/${id}/history`, { limit: 50 }).then((d) => d.versions || []);
export const describeMedia = (id, altText) => request("PATCH", `/media/${id}`, { body: { alt_text: altText || null } });
export const pinPost = (id) => post(`/posts/${id}/pin`);
export const unpinPost = (id) => del(`/posts/${id}/pin`);
export const archivePost = (id) => post(`/posts/${id}/archive`);
export const restorePost = (id) => del(`/posts/${id}/archive`);
export const archivedPosts = (cursor) =>
  get("/users/me/archive", { cursor, limit: 18 }).then(page("posts", normPost));
export const getPost = (id) => get(`/posts/${id}`).then((d) => normPost(d.post || d));
export const deletePost = (id) => del(`/posts/${id}`);
export const feed = (mode, cursor, early) =>
  request("GET", "/feed", { query: { mode, cursor, limit: 10 }, early }).then(page("posts", normPost));
// The home feed's first page is asked for at start-up, alongside /users/me, not after it
// (by the page's boot script when it could: the same request, already on its way).
let earlyFeed = null;
export function prefetchFeed(mode) {
  const booted = takeBoot("feed");
  earlyFeed = { mode, promise: feed(mode, null, booted && booted.mode === mode ? booted.response : null) };
  earlyFeed.promise.catch(() => {}); // the feed view reports errors when it takes it
}
export function firstFeedPage(mode) {
  const early = earlyFeed;
  earlyFeed = null;
  return early && early.mode === mode ? early.promise : feed(mode);
}
// Reels: video posts, followed accounts' first; a snapshot scroll (the cursor names it).
export const reels = (cursor, limit = 5) =>
  get("/reels", { cursor, limit }).then(page("posts", normPost));

// Explore: a snapshot scroll (the cursor names it); signed out, the popular public posts.
export const explore = (cursor, limit = 12) =>
  get("/explore", { cursor, limit }).then(page("posts", normPost));
export const locationPosts = (id, cursor) =>
  get(`/locations/${id}/posts`, { cursor }).then((d) => ({ ...page("posts", normPost)(d), location: d.location ? normPlace(d.location) : null }));
export const hashtagPosts = (tag, cursor) =>
  get(`/hashtags/${encodeURIComponent(tag)}/posts`, { cursor }).then((d) => ({ ...page("posts", normPost)(d), hashtag: d.hashtag || null }));
// Following hashtags: their public posts come into the home feed.
export const followHashtag = (tag) => post(`/hashtags/${encodeURIComponent(tag)}/follow`);
export const unfollowHashtag = (tag) => del(`/hashtags/${encodeURIComponent(tag)}/follow`);
export const followedHashtags = (cursor) =>
  get("/users/me/followed-hashtags", { cursor, limit: 50 }).then(page("hashtags", (t) => t));

// ---- likes and comments ----
// ---- saving: "All saved" and private collections ----
export const save = (id) => post(`/posts/${id}/save`);
export const unsave = (id) => del(`/posts/${id}/save`);
export const savedPosts = (cursor) =>
  get("/users/me/saved", { cursor, limit: 18 }).then(page("posts", normPost));
export const collections = (cursor, postId = null) =>
  get("/collections", { cursor, limit: 50, post_id: postId }).then(page("collections", normCollection));
export const createCollection = (name) =>
  post("/collections", { name }).then((d) => normCollection(d.collection));
export const collection = (id, cursor) =>
  get(`/collections/${id}`, { cursor, limit: 18 }).then((d) => ({
    ...page("posts", normPost)(d),
    collection: normCollection(d.collection),
  }));
export const updateCollection = (id, fields) =>
  request("PATCH", `/collections/${id}`, { body: fields }).then((d) => normCollection(d.collection));
export const deleteCollection = (id) => del(`/collections/${id}`);
export const addToCollection = (id, postId) => post(`/collections/${id}/posts/${postId}`);
export const removeFromCollection = (id, postId) => del(`/collections/${id}/posts/${postId}`);
export const notifyOn = (userId) => post(`/users/${userId}/notify`).then((d) => !!d.notify);
export const notifyOff = (userId) => del(`/users/${userId}/notify`).then((d) => !!d.notify);

export function normCollection(c) {
  return {
    id: String(c.id),
    name: c.name || "",
    posts: c.post_count ?? 0,
    coverUrl: (c.cover && c.cover.thumb_url) || null,
    hasPost: c.has_post ?? null,
  };
}

export const like = (id) => post(`/posts/${id}/like`);
export const unlike = (id) => del(`/posts/${id}/like`);
export const comments = (postId, cursor) =>
  get(`/posts/${postId}/comments`, { cursor }).then(page("comments", normComment));
export const replies = (commentId, cursor) =>
  get(`/comments/${commentId}/replies`, { cursor }).then(page("comments", normComment));
export const addComment = (postId, text, parentId) =>
  post(`/posts/${postId}/comments`, parentId ? { text, parent_id: parentId } : { text }).then(
    (d) => normComment(d.comment || d),
  );
export const deleteComment = (id) => del(`/comments/${id}`);
export const likeComment = (id) => post(`/comments/${id}/like`);
export const unlikeComment = (id) => del(`/comments/${id}/like`);
export const pinComment = (id) => post(`/comments/${id}/pin`);
export const unpinComment = (id) => del(`/comments/${id}/pin`);

// ---- search ----
export const search = (q, type) =>
  get("/search", { q, type }).then((d) => {
    const list = d.results || d[type] || d.users || d.hashtags || d.items || [];
    if (type === "locations") return (d.locations || []).map(normPlace);
    return type === "users" ? list.map(normUser) : list.map(normTag);
  });

// Posts by the words of their caption: a snapshot scroll (the cursor names it).
export const searchPosts = (q, cursor) =>
  get("/search", { q, type: "posts", cursor, limit: 18 }).then(page("posts", normPost));
// Places within radiusKm of a point, nearest first, each with its distance.
export const nearbyPlaces = (lat, lng, radiusKm) =>
  get("/locations/nearby", { lat, lng, radius_km: radiusKm }).then((d) =>
    (d.locations || []).map((p) => ({ ...normPlace(p), distanceKm: p.distance_km })),
  );

// ---- notifications ----
export const notifications = (cursor) =>
  get("/notifications", { cursor }).then((d) => ({
    ...page("notifications", normNotification)(d),
    unread: d.unread_count ?? null,
  }));
export const markNotificationsRead = () => post("/notifications/read", {});

// ---- stories ----
export const createStory = (mediaId, audience = "everyone") =>
  post("/stories", { media_id: mediaId, audience });
export const storyFeed = () =>
  get("/stories/feed").then((d) => (d.tray || d.trays || d.users || d.items || d.stories || []).map(normTray));
export const userStories = (userId) =>
  get(`/users/${userId}/stories`).then((d) => (d.items || d.stories || []).map(normStory));
export const markStorySeen = (id) => post(`/stories/${id}/seen`);
export const closeFriends = () =>
  get("/users/me/close-friends").then((d) => (d.users || []).map(normAuthor));
export const saveCloseFriends = (ids) =>
  request("PUT", "/users/me/close-friends", { body: { user_ids: ids } }).then((d) => (d.users || []).map(normAuthor));
export const storyArchive = (cursor) =>
  get("/users/me/stories/archive", { cursor, limit: 30 }).then((d) => ({
    items: (d.stories || []).map(normArchived),
    next: d.next_cursor ?? null,
  }));
export const highlights = (userId) =>
  get(`/users/${userId}/highlights`).then((d) => (d.highlights || []).map(normHighlight));
export const highlight = (id) => get(`/highlights/${id}`).then((d) => normHighlight(d.highlight));
export const createHighlight = (title, storyIds) =>
  post("/highlights", { title, story_ids: storyIds }).then((d) => normHighlight(d.highlight));
export const updateHighlight = (id, fields) =>
  request("PATCH", `/highlights/${id}`, { body: fields }).then((d) => normHighlight(d.highlight));
export const deleteHighlight = (id) => del(`/highlights/${id}`);
export const storyViewers = (id) =>
  get(`/stories/${id}/viewers`).then((d) => (d.viewers || d.users || d.items || []).map((v) => normUser(v.user || v)));

// ---- direct messages ----
export const sendMessage = (recipientId, content, clientMessageId, postId = null, mediaId = null) =>
  post("/messages", { recipient_id: recipientId, content: content || undefined, client_message_id: clientMessageId, post_id: postId || undefined, media_id: mediaId || undefined });
// To a conversation you are in (a group, or a direct one): the same answer as sendMessage.
export const sendToConversation = (conversationId, content, clientMessageId, postId = null, mediaId = null) =>
  post(`/conversations/${conversationId}/messages`, { content: content || undefined, client_message_id: clientMessageId, post_id: postId || undefined, media_id: mediaId || undefined });
export const createGroup = (memberIds, name) => post("/conversations", { member_ids: memberIds, name: name || null }).then(normConversation);
export const addMembers = (conversationId, userIds) => post(`/conversations/${conversationId}/members`, { user_ids: userIds }).then(normConversation);
// Removing yourself is leaving.
export const removeMember = (conversationId, userId) => del(`/conversations/${conversationId}/members/${userId}`);
export const renameGroup = (conversationId, name) => request("PATCH", `/conversations/${conversationId}`, { body: { name: name || null } }).then(normConversation);
export const unsendMessage = (messageId) => del(`/messages/${messageId}`);
export const react = (messageId, emoji) => request("PUT", `/messages/${messageId}/reaction`, { body: { emoji } }).then(normReactions);
export const unreact = (messageId) => del(`/messages/${messageId}/reaction`);
export const conversations = (folder = "inbox") =>
  get("/conversations", { folder, limit: 50 }).then((d) => (d.conversations || d.items || []).map(normConversation));
export const conversation = (id) => get(`/conversations/${id}`).then(normConversation);
export const messagesAfter = (conversationId, afterSeq) =>
  get(`/conversations/${conversationId}/messages`, { after_seq: afterSeq, limit: 100 }).then((d) => ({
    items: (d.messages || d.items || []).map(normMessage),
    hasMore: !!d.has_more,
    raw: d,
  }));
export const markConversationRead = (conversationId, upToSeq) =>
  post(`/conversations/${conversationId}/read`, { up_to_seq: upToSeq });
export const acceptConversation = (conversationId) => post(`/conversations/${conversationId}/accept`).then(normConversation);
// The Messages badge: inbox conversations with unread messages, and requests waiting.
export const unreadConversations = () =>
  get("/conversations/unread-count").then((d) => ({ unread: d.unread_count ?? 0, requests: d.request_count ?? 0 }));
export const replyToStory = (storyId, content, clientMessageId) =>
  post(`/stories/${storyId}/reply`, { content, client_message_id: clientMessageId });
// The socket's URL carries a short-lived, single-use ticket, never the access token: URLs
// end up in proxies' logs.
export const socketUrl = async () => {
  const { ticket } = await post("/ws/ticket");
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${BASE}/ws?ticket=${encodeURIComponent(ticket)}`;
};

// ---- normalisers: the only place that knows field names ----
export function normUser(u) {
  if (!u) return null;
  const rel = u.relationship || {};
  return {
    id: String(u.id ?? u.user_id),
    username: u.username,
    displayName: u.display_name || "",
    bio: u.bio || "",
    avatarUrl: u.avatar_url || null,
    avatarUrls: u.avatar_urls || null,
    isPrivate: !!u.is_private,
    followers: u.follower_count ?? null,
    following: u.following_count ?? null,
    posts: u.post_count ?? null,
    email: u.email || null,
    emailVerified: u.email_verified ?? null, // own profile only; null when unknown
    role: u.role || "user",
    rel: {
      following: !!rel.following,
      requested: !!rel.follow_requested,
      followedBy: !!rel.followed_by,
      blocking: !!(rel.blocking ?? rel.blocked),
      notify: !!rel.notify, // the bell: told of each new post and story
      muting: { posts: !!(rel.muting && rel.muting.posts), stories: !!(rel.muting && rel.muting.stories) },
    },
  };
}

export function normMedia(m) {
  const urls = m.urls || {};
  return {
    id: String(m.id ?? m.media_id),
    type: m.type || (String(m.content_type || "").startsWith("video") ? "video" : "image"),
    status: m.status || "ready",
    width: m.width || null,
    height: m.height || null,
    blurhash: m.blurhash || null,
    urls: {
      thumb: urls.thumb || urls.original,
      small: urls.small || urls.original,
      medium: urls.medium || urls.original,
      large: urls.large || urls.original,
      original: urls.original || urls.large,
      video: urls.video || urls.mp4 || urls.original,
    },
    posterUrl: m.poster_url || null,
    duration: m.duration_s ?? null,
    alt: m.alt || null, // the author's description (alt text)
    // A failed processing's reason, in the reader's words by its code.
    error: m.error ? { ...m.error, message: errorMessage(m.error.code, m.error.message) } : null,
  };
}

export function normPost(p) {
  return {
    id: String(p.id),
    author: normAuthor(p.author || {}),
    caption: p.caption || "",
    location: p.location ? p.location.name : null,
    locationId: p.location && p.location.id ? String(p.location.id) : null,
    media: (p.media || []).map(normMedia),
    likes: p.like_count ?? 0,
    likesHidden: p.like_count === null, // the author hides the count from everyone else
    commentCount: p.comment_count ?? 0,
    liked: !!p.liked_by_me,
    saved: !!p.saved_by_me,
    sensitive: !!p.sensitive,
    contentWarning: p.content_warning || null,
    commentsEnabled: p.comments_enabled !== false,
    hideLikeCount: !!p.hide_like_count,
    pinned: !!p.pinned,
    archived: !!p.archived,
    editedAt: p.edited_at || null,
    createdAt: p.created_at,
  };
}

function normAuthor(a) {
  return {
    id: String(a.id ?? a.user_id ?? ""),
    username: a.username || "",
    displayName: a.display_name || "",
    avatarUrl: a.avatar_url || null,
  };
}

export function normComment(c) {
  return {
    id: String(c.id),
    author: normAuthor(c.author || c.user || {}),
    text: c.text ?? c.content ?? c.body ?? "",
    parentId: c.parent_id ? String(c.parent_id) : null,
    replies: (c.replies || []).map(normComment),
    replyCount: c.reply_count ?? (c.replies || []).length,
    createdAt: c.created_at,
    hidden: !!c.hidden, // hidden by your comment filter: only you and its author see it
    likes: c.like_count ?? 0,
    liked: !!c.liked_by_me,
    pinned: !!c.pinned, // the post's author pinned it: first in the list
  };
}

function normPlace(l) {
  return { id: String(l.id), name: l.name, posts: l.post_count ?? 0 };
}

function normTag(t) {
  if (typeof t === "string") return { name: t.replace(/^#/, ""), posts: null };
  return { name: (t.name || t.tag || "").replace(/^#/, ""), posts: t.post_count ?? null };
}

export function normNotification(n) {
  const actors = (n.actors || (n.actor ? [n.actor] : [])).map(normAuthor);
  return {
    id: String(n.id),
    type: n.type || n.kind || "",
    actors,
    others: n.other_count ?? n.others ?? Math.max(0, (n.actor_count ?? actors.length) - actors.length),
    postId: n.post_id ? String(n.post_id) : n.post ? String(n.post.id) : null,
    thumbUrl: (n.post && n.post.thumb_url) || null,
    // Only the comment's own words: `text` is the server's whole sentence, which the view
    // builds itself from the actors (with links).
    text: (n.comment && n.comment.text) || n.comment_text || "",
    read: !!(n.read ?? n.is_read ?? n.read_at),
    createdAt: n.created_at || n.updated_at,
    sentence: n.text || "", // the server's own words (moderation notices have no actors)
    action: n.action || null,
  };
}

function normStory(s) {
  return {
    id: String(s.id),
    author: normAuthor(s.author || s.user || {}),
    media: normMedia(s.media || {}),
    seen: !!(s.seen ?? s.seen_by_me),
    viewCount: s.view_count ?? null,
    createdAt: s.created_at,
    expiresAt: s.expires_at,
    closeFriends: !!s.close_friends,
  };
}

function normArchived(s) {
  return {
    id: String(s.id),
    media: s.media ? normMedia(s.media) : null,
    createdAt: s.created_at,
    expired: !!s.expired,
    closeFriends: !!s.close_friends,
  };
}

function normHighlight(x) {
  return {
    id: String(x.id),
    title: x.title,
    owner: normAuthor(x.owner || {}),
    cover: x.cover ? normMedia(x.cover) : null,
    stories: (x.items || []).map(normStory),
  };
}

function normTray(t) {
  const author = normAuthor(t.author || t.user || t);
  return {
    author,
    hasUnseen: !!(t.has_unseen ?? t.unseen ?? !t.seen),
    closeFriends: !!t.close_friends,
    stories: (t.items || t.stories || []).map(normStory),
  };
}

export function normConversation(c) {
  const isGroup = c.kind === "group";
  const other = c.other_user || c.peer || c.user || (c.participants || []).find((u) => !auth.me || String(u.id) !== auth.me.id) || {};
  const last = c.last_message ? normMessage(c.last_message) : null;
  const members = (c.members || []).map((m) => ({ user: normAuthor(m.user || {}), role: m.role || "member", readSeq: m.read_seq ?? 0 }));
  const others = members.filter((m) => !auth.me || m.user.id !== auth.me.id);
  return {
    id: String(c.id ?? c.conversation_id),
    isGroup,
    name: c.name || null,
    // What the inbox and the header call it: a group's name, else its other members.
    title: isGroup ? c.name || others.map((m) => m.user.username).join(", ") || t("api.justYou") : other.username || "",
    other: isGroup ? { id: "", username: c.name || t("dm.group"), displayName: c.name || t("dm.group"), avatarUrl: null } : normAuthor(other),
    members,
    last,
    unread: c.unread_count ?? 0,
    lastSeq: c.last_seq ?? (last ? last.seq : 0),
    readSeq: c.read_seq ?? 0,
    otherReadSeq: c.other_read_seq ?? 0,
    isRequest: c.folder === "requests",
  };
}

export function normReactions(r) {
  return (r.reactions || r || []).map((x) => ({ userId: String(x.user_id), emoji: x.emoji }));
}

export function normMessage(m) {
  return {
    id: String(m.id ?? m.message_id),
    conversationId: String(m.conversation_id ?? ""),
    senderId: String(m.sender_id ?? (m.sender && m.sender.id) ?? ""),
    sender: m.sender ? normAuthor(m.sender) : null,
    content: m.content ?? m.text ?? "",
    seq: Number(m.seq ?? 0),
    sentAt: m.sent_at || m.created_at,
    clientId: m.client_message_id || null,
    post: m.post ? { id: String(m.post.id), available: !!m.post.available, thumbUrl: m.post.thumb_url || null, author: m.post.author ? normAuthor(m.post.author) : null } : null,
    story: m.story ? { id: String(m.story.id), available: !!m.story.available, thumbUrl: m.story.thumb_url || null } : null,
    media: m.media ? normMedia(m.media) : null,
    // A group's notice: who added, removed or left, or a new name.
    system: m.system ? { action: m.system.action, users: (m.system.users || []).map(normAuthor), name: m.system.name ?? null } : null,
    unsent: !!m.unsent,
    reactions: normReactions(m.reactions || []),
  };
}
