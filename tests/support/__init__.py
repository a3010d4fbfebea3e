"""Helpers shared by the test suites: contract checks against the official OpenAI OpenAPI document."""
