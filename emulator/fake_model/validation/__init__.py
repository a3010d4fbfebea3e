"""Request checks the real API runs before answering."""
