"""aiohttp routes of the provider dialects."""
