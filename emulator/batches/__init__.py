"""Batches: the state machine, records, service, line runner, input checks and offline runs."""
