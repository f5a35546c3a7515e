"""Writes: every change to auctions, bids and users goes through a service here (keyword-only)."""
