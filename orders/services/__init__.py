"""Writes of the after-sale: orders, second-chance offers, feedback."""
