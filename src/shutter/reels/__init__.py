"""Reels: an endless vertical feed of video posts (docs/explore.md#reels)."""
