"""JSON Schema instances, sizes and patterns for structured outputs."""
