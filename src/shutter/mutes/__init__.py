"""Mutes: quiet an account's posts and/or stories without blocking it."""
