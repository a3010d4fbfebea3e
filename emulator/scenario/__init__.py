"""Scenario files: schema, loader, registry and the engine that applies their rules."""

# What a scenario file's name ends with (importing this package costs nothing: the pytest handle uses it).
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
