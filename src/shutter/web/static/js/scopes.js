// What an OAuth scope lets an app do, in words (the consent page and Settings → Apps).
const SCOPE_TEXT = {
  read: "Read your account, posts, followers and notifications",
  write: "Post, like, comment and change your profile",
  follow: "Follow, unfollow and block accounts",
  push: "Receive push notifications",
};

export function describeScope(scope) {
  return SCOPE_TEXT[scope] || scope;
}
