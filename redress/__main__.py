"""`python -m engine` is `redress`."""

from redress.cli import main

main()
