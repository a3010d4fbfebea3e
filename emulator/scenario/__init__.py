"""Scenario files: schema, loader, registry and the engine that applies their rules."""
