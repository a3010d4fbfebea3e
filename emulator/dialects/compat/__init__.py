"""OpenAI-compatible providers (Groq, Nebius, Netmind, Inference.net)."""
