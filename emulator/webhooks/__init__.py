"""Signed webhook deliveries for batch events."""
