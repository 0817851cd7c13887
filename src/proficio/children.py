"""Helper processes started as fresh interpreters that import only what they run.

`proficio serve` starts its writer and its judging worker this way rather than with
multiprocessing's "spawn", which costs resident memory the server's budget has no room for
(docs/performance.md):
- "spawn" starts a resource tracker process (12 MB) for semaphores these children never use;
- the child runs the parent's main module again, and `proficio serve`'s imports the whole CLI
  and web app (11 MB) that a writer never calls.

The child gets its target and arguments pickled on stdin and its end of a duplex pipe
(`multiprocessing.connection.Connection`) as an inherited descriptor, passed as the target's
last argument. It ignores Ctrl-C: the terminal sends SIGINT to the whole process group, and the
server, not the signal, tells its helpers when to stop, once their work is answered.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_BOOTSTRAP = "from proficio.children import child_main; child_main()"


class Child:
    """What the server needs of a child process: start, is_alive, kill, join."""

    def __init__(
        self, target: Callable[..., None], args: tuple[Any, ...], *, pipe: Connection, name: str
    ) -> None:
        self._payload = pickle.dumps((target, args))
        self._pipe = pipe
        self.name = name  # the last word of its command line, for `ps`
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        fd = self._pipe.fileno()
        self._popen = subprocess.Popen(
            [sys.executable, "-c", _BOOTSTRAP, str(fd), self.name],
            stdin=subprocess.PIPE,
            pass_fds=(fd,),
        )
        assert self._popen.stdin is not None
        with self._popen.stdin as stdin:
            stdin.write(self._payload)

    def is_alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def kill(self) -> None:
        if self.is_alive():
            assert self._popen is not None
            self._popen.kill()

    def join(self, timeout: float | None = None) -> None:
        if self._popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout)


def child_main() -> None:
    """Runs in the child (see `_BOOTSTRAP`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    target, args = pickle.loads(sys.stdin.buffer.read())
    target(*args, Connection(int(sys.argv[1])))


class ChildGone(Exception):
    """The child process died (or was stopped) before it answered."""


class CallingChild:
    """A child process that runs one call at a time for its parent, started at the first call
    and kept for the next (the server's judging worker)."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._pipe: Connection | None = None
        self._child: Child | None = None
        self._calling = False

    @property
    def running(self) -> bool:
        return self._child is not None

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in the child; raises what it raised there, or ChildGone."""
        with self._lock:
            if self._pipe is None:
                self._pipe, theirs = multiprocessing.Pipe()
                self._child = Child(_serve_calls, (), pipe=theirs, name=self.name)
                self._child.start()
                theirs.close()
            pipe, self._calling = self._pipe, True
        try:
            pipe.send((fn, args))
            ok, value = pipe.recv()
        except (EOFError, OSError):
            with self._lock:
                self._calling = False
            self.stop()
            raise ChildGone("the child process is gone") from None
        with self._lock:
            self._calling = False
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the child: at the end of its pipe when idle; killed when a call is running
        (from another thread: the server shutting down), whose caller then gets ChildGone
        and lets go of the pipe itself (closed under its read, the pipe would fail oddly)."""
        with self._lock:
            if self._calling:
                if self._child is not None:
                    self._child.kill()
                return
            pipe, child, self._pipe, self._child = self._pipe, self._child, None, None
        if pipe is not None:
            pipe.close()
        if child is not None:
            child.join(_STOP_WAIT_S)
            child.kill()
            child.join()


_STOP_WAIT_S = 30


def _serve_calls(pipe: Connection) -> None:
    while True:
        try:
            fn, args = pipe.recv()
        except (EOFError, OSError):  # the parent is gone or has let go
            return
        try:
            answer = (True, fn(*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            pipe.send(answer)
        except OSError:  # the parent stopped waiting (it is shutting down): nothing to answer
            return
