"""Gavel's shared kernel: what every app uses and no app owns.

Errors and their codes, money and its formatting, input parsing, roles and admin access, the audit
log, the admin toolkit, and the socket / outage / metrics plumbing. It imports no Gavel app; every
app may import it (checked by import-linter, `pyproject.toml`).
"""
