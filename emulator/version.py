"""The package version (kept in one place: the package exports it and the health check reports it)."""

__version__ = "0.1.0"
