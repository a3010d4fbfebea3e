"""`python -m emulator` runs the command line."""

from emulator.cli import main

main()
