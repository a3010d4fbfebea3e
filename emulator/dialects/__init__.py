"""Dialects translate the engine's records into one provider's wire shapes (OpenAI is the default)."""
