"""The Mastodon-compatible client API (docs.joinmastodon.org, v1/v2), mapped onto
Shutter's own services; authenticated with OAuth tokens (shutter/oauth/)."""
