"""Reading ahead on the machine's other core: while the worker writes one batch of due deadlines, a reader
process reads the next batch and renders its emails (the read pass of engine/worker/firing.py).

The read pass only reads and renders; it never writes. The write pass, in the worker's own process, decides
every deadline again under the write lock and takes each email from what was rendered, keyed by its template
and its whole context (engine.commands.notify.Renders): an email the reader rendered from a case that has
changed since is simply not found, and that deadline waits for the next batch, as it does when the worker
reads for itself. So the reader can make the worker faster, never wrong:

- its batch leaves out the cases of the batch being written (their timers are still pending until it commits);
- a batch it could not read (the process failed to start or died, a database error, a context that would not
  pickle) is read by the worker itself, and the reader is not asked again in that run; so is a batch it found
  empty, before the run concludes that nothing is due;
- it renders with the templates the settings name, as the worker does; a run whose app renders otherwise
  (a renderer set by hand) does not read ahead.

It is started only when enough is due for it to pay for its start (READ_AHEAD_AT timers) and lives for
one run of `fire_due`. It is a fresh interpreter (`python -m engine.worker.readahead`), not a fork: nothing
of the worker's threads, connections or locks is copied into it, and unlike multiprocessing's `spawn` it
never runs the worker's own main script again. The two talk over its standard input and output, one batch
at a time: the worker sends (settings, clock) once, then each request; the reader answers each with the
ids it read and the emails it rendered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from engine.commands.notify import Renders
from engine.context import Redress, open_app

log = logging.getLogger("redress.worker")

READ_AHEAD_AT = 3
"""Batches' worth of due timers from which a run reads ahead in a second process (a fresh interpreter costs
about half a second of the other core to start)."""

Read = tuple[list[int], Renders]
"""A batch read: the ids of the cases read, and their emails rendered."""


def reads_alike(app: Redress) -> bool:
    """Whether a fresh process given the app's settings renders as it does: its renderer is the one its
    settings build (or not built yet), and its database is not one only this process can see."""
    from notifications.render import TemplateRenderer

    renderer = app.__dict__.get("renderer")
    in_memory = app.db.dialect == "sqlite" and app.db.engine.url.database in (None, "", ":memory:")
    return not in_memory and (renderer is None or type(renderer) is TemplateRenderer)


class ReadAhead:
    """The reader process of one run: `submit` the next batch's read, `take` it when its turn comes."""

    def __init__(self, app: Redress, cutoff: datetime, held: bool, batch: int) -> None:
        self.cutoff, self.held, self.batch = cutoff, held, batch
        self.asked = False
        path = os.pathsep.join(entry for entry in sys.path if entry)  # the worker's modules, wherever they come from
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "engine.worker.readahead"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        self._send((app.settings, app.clock))

    def submit(self, exclude: Iterable[int]) -> bool:
        """Start reading the batch after the one being written (whose cases it leaves out)."""
        if self.process is None:
            return False
        self.asked = self._send((self.cutoff, self.held, self.batch, sorted(exclude)))
        return self.asked

    def take(self, asked: bool) -> Read | None:
        """The batch read ahead, or None: the worker reads it itself (see the module's doc)."""
        if not asked or self.process is None:
            return None
        self.asked = False
        try:
            assert self.process.stdout is not None
            status, reply = pickle.load(self.process.stdout)
        except Exception as exc:  # the process died, or said something that is not a reply
            self._give_up(f"the reader process stopped: {exc!r}")
            return None
        if status != "ok":
            self._give_up(reply)
            return None
        ids, done, failed = reply
        if not ids:
            return None
        renders = Renders()
        renders.done, renders.failed = done, failed
        return ids, renders

    def _send(self, message: Any) -> bool:
        try:
            assert self.process is not None and self.process.stdin is not None
            pickle.dump(message, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
        except Exception as exc:
            self._give_up(f"the reader process could not be asked: {exc!r}")
            return False
        return True

    def _give_up(self, why: str) -> None:
        log.warning("reading ahead stopped (%s): the worker reads each batch itself", why)
        self.close()

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if self.asked:  # a read no one will take: no need to wait for it
            process.kill()
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.close()  # end of input: the reader exits
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The reader process: open the app as told, then read each batch asked for until the input ends."""
    from engine.worker.firing import read_batch

    settings, clock = pickle.load(requests)
    app = open_app(settings, clock=clock)
    try:
        while True:
            try:
                cutoff, held, batch, exclude = pickle.load(requests)
            except EOFError:
                return
            try:
                ids, renders = read_batch(app, cutoff, held, batch, exclude)
                reply: tuple[str, Any] = ("ok", (ids, renders.done, renders.failed))
            except Exception as exc:  # said to the worker, which reads the batch itself
                reply = ("error", f"{type(exc).__name__}: {exc}")
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
    finally:
        app.close()


if __name__ == "__main__":
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies goes down the pipe
    with contextlib.suppress(BrokenPipeError, EOFError):  # the worker has gone (stopped, or killed): so does its reader
        _serve(sys.stdin.buffer, replies)
