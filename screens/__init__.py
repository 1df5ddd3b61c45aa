"""Textual screens and widgets; they talk to IamService only."""
