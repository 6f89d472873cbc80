"""Pitboard core service."""
