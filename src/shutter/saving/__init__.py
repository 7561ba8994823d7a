"""Saving posts: "All saved" and named private collections (docs/api.md, Saving)."""
