"""`python -m emulator` runs the command line."""

from .cli import main

main()
