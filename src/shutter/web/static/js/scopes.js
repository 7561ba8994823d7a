// What an OAuth scope lets an app do, in words (the consent page and Settings → Apps).
import { t } from "./i18n.js";

const KNOWN = new Set(["read", "write", "follow", "push"]);

export function describeScope(scope) {
  return KNOWN.has(scope) ? t(`scope.${scope}`) : scope;
}
