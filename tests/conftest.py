"""Shared fixtures for the whole suite; each area keeps its own in tests/<area>/conftest.py."""
