"""Accounts people can trust: mailed one-time links for password reset and email
verification, email change (docs/accounts.md)."""
