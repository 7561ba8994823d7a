"""OAuth 2.0 provider (RFC 6749, PKCE of RFC 7636, revocation of RFC 7009): client apps,
the authorization-code, client-credentials and refresh-token grants, and scopes. The
Mastodon-compatible API (shutter/mastodon/) authenticates with these tokens."""
