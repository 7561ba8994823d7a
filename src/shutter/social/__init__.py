"""Likes, comments, and the hashtags and mentions in captions and comments."""
