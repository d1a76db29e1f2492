"""The `redress` program (the console script and `python -m redress`): `redress.cli.main`, with the garbage
collector paused while the program starts and its objects frozen as it exits.

Start-up imports and builds hundreds of thousands of objects that live as long as the process (modules,
classes, the ORM's mappers, the workflow spec), and CPython's collector, triggered by allocations, walks
them again and again as they are made; at exit it walks them all once more, in several passes. Together
about a third of the CPU of `redress case show`. So the collector is paused from the first import until the
command to run is found and imported (`started`, from the root group's callback), when what exists is
frozen (kept out of every later collection) and the collector resumes for the command's own work, as
before: a long-running command (serve, worker) collects as it always did. At exit everything is frozen
again: atexit handlers, flushing stdout and stderr and closing what reference counting closes still happen.

`main` alone, as the tests call it in their own process, leaves the collector as it was."""

from __future__ import annotations

import gc

_starting = False


def run() -> None:
    global _starting
    gc.disable()
    _starting = True
    try:
        from redress.cli import main

        main()
    finally:
        gc.freeze()


def started() -> None:
    """The command is found and its module imported: freeze what start-up made and resume collecting."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()
