"""Persistence: the only package that imports tinydb."""
