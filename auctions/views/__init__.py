"""Bidder-facing views: server-rendered pages (`pages`) and the JSON API (`api`)."""
