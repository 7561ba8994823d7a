"""The HTTP side: dependencies, errors, limits, responses, operations routes."""

# Where the API lives (docs/api.md); the Mastodon-compatible API keeps Mastodon's paths.
API_PREFIX = "/api/v1"
