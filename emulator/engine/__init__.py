"""The engine's parts below every service: clock, scheduler, storage, ids, journal, paging, errors."""
