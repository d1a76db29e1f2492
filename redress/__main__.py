"""`python -m engine` is `redress`."""

from redress.cli import run

run()
