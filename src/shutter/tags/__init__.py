"""Hashtags, mentions and locations: parsing free text, and their tables."""
