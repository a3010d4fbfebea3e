"""The Mistral batch jobs dialect."""
