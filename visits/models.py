"""Staffed sessions and visits (footfall) — built in the visits issue."""
