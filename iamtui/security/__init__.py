"""Passwords, MFA and access keys."""
