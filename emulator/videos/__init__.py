"""Videos rendered by the clock."""
