"""aiohttp routes of the OpenAI API and the admin API."""
