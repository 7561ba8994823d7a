"""Likes on posts."""
