// The client's words, one catalogue per language (English is the source), chosen from
// the browser's languages unless the person picked one in Settings (kept in
// localStorage). Plurals go through Intl.PluralRules, dates and numbers through Intl.
// Screens move their strings here one by one: the navigation and Settings so far.

const CATALOGUES = {
  en: {
    "nav.home": "Home",
    "nav.search": "Search",
    "nav.explore": "Explore",
    "nav.reels": "Reels",
    "nav.create": "Create",
    "nav.messages": "Messages",
    "nav.notifications": "Notifications",
    "nav.profile": "Profile",
    "nav.login": "Log in",
    "nav.signup": "Sign up",
    "nav.logout": "Log out",
    "settings.notifications": "Notifications",
    "settings.language": "Language",
    "settings.languageAuto": "Browser default",
    "push.toggle": "Push notifications",
    "push.hint": "Likes, comments, follows, mentions and messages, even when Shutter is closed.",
    "push.unsupported": "This browser cannot receive push notifications.",
    "push.turningOn": "Turning on…",
    "push.turningOff": "Turning off…",
    "push.on": "Push notifications are on for this browser.",
    "push.off": "Push notifications are off.",
    "push.blocked": "Notifications are blocked for this site. Allow them in your browser's settings.",
    "push.disabled": "This server does not send push notifications.",
    "push.failed": "That did not work. Try again.",
    "push.kinds": "What to push",
    "push.kind.like": "Likes on your posts",
    "push.kind.comment": "Comments on your posts",
    "push.kind.reply": "Replies to your comments",
    "push.kind.comment_like": "Likes on your comments",
    "push.kind.mention": "Mentions",
    "push.kind.follow": "New followers",
    "push.kind.follow_request": "Follow requests",
    "push.kind.follow_accepted": "Accepted follow requests",
    "push.kind.post": "New posts from people whose bell you turned on",
    "push.kind.story": "New stories from people whose bell you turned on",
    "push.kind.message": "Direct messages",
    "push.messageText": "Show a message's words in its notification (otherwise “New message from …”)",
    "push.saved": "Saved.",
    "count.followers": { one: "{n} follower", other: "{n} followers" },
    "count.others": { one: "{n} other", other: "{n} others" },
  },
  es: {
    "nav.home": "Inicio",
    "nav.search": "Buscar",
    "nav.explore": "Explorar",
    "nav.reels": "Reels",
    "nav.create": "Crear",
    "nav.messages": "Mensajes",
    "nav.notifications": "Notificaciones",
    "nav.profile": "Perfil",
    "nav.login": "Iniciar sesión",
    "nav.signup": "Registrarse",
    "nav.logout": "Cerrar sesión",
    "settings.notifications": "Notificaciones",
    "settings.language": "Idioma",
    "settings.languageAuto": "El del navegador",
    "push.toggle": "Notificaciones push",
    "push.hint": "Me gusta, comentarios, seguidores, menciones y mensajes, aunque Shutter esté cerrado.",
    "push.unsupported": "Este navegador no puede recibir notificaciones push.",
    "push.turningOn": "Activando…",
    "push.turningOff": "Desactivando…",
    "push.on": "Las notificaciones push están activadas en este navegador.",
    "push.off": "Las notificaciones push están desactivadas.",
    "push.blocked": "Las notificaciones están bloqueadas para este sitio. Permítelas en los ajustes del navegador.",
    "push.disabled": "Este servidor no envía notificaciones push.",
    "push.failed": "No ha funcionado. Inténtalo de nuevo.",
    "push.kinds": "Qué notificar",
    "push.kind.like": "Me gusta en tus publicaciones",
    "push.kind.comment": "Comentarios en tus publicaciones",
    "push.kind.reply": "Respuestas a tus comentarios",
    "push.kind.comment_like": "Me gusta en tus comentarios",
    "push.kind.mention": "Menciones",
    "push.kind.follow": "Nuevos seguidores",
    "push.kind.follow_request": "Solicitudes de seguimiento",
    "push.kind.follow_accepted": "Solicitudes de seguimiento aceptadas",
    "push.kind.post": "Publicaciones nuevas de quienes tienen la campana activada",
    "push.kind.story": "Historias nuevas de quienes tienen la campana activada",
    "push.kind.message": "Mensajes directos",
    "push.messageText": "Mostrar el texto del mensaje en la notificación (si no, «Nuevo mensaje de …»)",
    "push.saved": "Guardado.",
    "count.followers": { one: "{n} seguidor", other: "{n} seguidores" },
    "count.others": { one: "{n} más", other: "{n} más" },
  },
};

export const LANGUAGES = { en: "English", es: "Español" };
const STORAGE_KEY = "shutter-language";

function chosen() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && CATALOGUES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (CATALOGUES[base]) return base;
  }
  return "en";
}

export let language = chosen();
document.documentElement.lang = language;

/** The saved choice ("" when the browser decides). */
export const savedLanguage = () => localStorage.getItem(STORAGE_KEY) || "";

/** Keep the choice ("" to follow the browser) and apply it. */
export function setLanguage(code) {
  if (code) localStorage.setItem(STORAGE_KEY, code);
  else localStorage.removeItem(STORAGE_KEY);
  language = chosen();
  document.documentElement.lang = language;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? (name === "n" ? formatNumber(params.n) : String(params[name])) : `{${name}}`));
}

/** The message for `key` in the current language (English when it has none yet). */
export function t(key, params = {}) {
  const entry = CATALOGUES[language][key] ?? CATALOGUES.en[key] ?? key;
  if (typeof entry === "object") {
    const form = new Intl.PluralRules(language).select(params.n ?? 0);
    return fill(entry[form] ?? entry.other, params);
  }
  return fill(entry, params);
}

export const formatNumber = (n) => new Intl.NumberFormat(language).format(n);
export const formatDate = (date, options = { dateStyle: "medium" }) => new Intl.DateTimeFormat(language, options).format(new Date(date));
