"""Shutter: a self-hostable photo and video sharing network."""
