"""`python -m engine` is `redress`."""

from engine.cli import main

main()
