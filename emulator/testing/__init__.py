"""What the pytest plugin hands to tests: the emulator handle and its connections."""
