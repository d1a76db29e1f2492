"""`python -m redress` is `redress`."""

from redress.program import run

run()
