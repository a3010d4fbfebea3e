"""The OpenAI wire format."""
