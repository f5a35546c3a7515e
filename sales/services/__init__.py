"""Writes of catalog sales: the closing schedule, publishing, lot numbers, registrations."""
