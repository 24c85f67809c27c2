"""Run a search backend in a child process: its crash is an error, never a dead web worker.

The embedded engine reads memory-mapped index files through native code. A
file truncated under a running process makes the next read fault (SIGBUS),
and a corrupt one can make the engine panic or abort: either would take the
whole web worker with it. So each web process hands its engine calls to one
child process over a private pipe. When the child dies or hangs, the call
raises :class:`~search.backends.base.SearchEngineError` (pages fall back to
the database listing); the next call after a short pause starts a new child,
which verifies the index before it opens it.

The child is started with ``python -m search.backends.isolation``, not
forked: forking a threaded web process is unsafe, and the child needs only
the backend module, not Django.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from search.backends.base import SearchEngineError

logger = logging.getLogger(__name__)

#: Signals that end the engine (KeyboardInterrupt, SystemExit) are not engine failures.
_PASS_THROUGH = (KeyboardInterrupt, SystemExit, GeneratorExit)


def as_engine_error(exc: BaseException) -> BaseException:
    """Return ``exc``, or a :class:`SearchEngineError` for a native panic.

    pyo3's ``PanicException`` derives from ``BaseException``, so an
    ``except Exception`` around an engine call would let it through.
    """
    if isinstance(exc, (Exception, *_PASS_THROUGH)):
        return exc
    error = SearchEngineError(f"search engine panicked: {exc}")
    error.__cause__ = exc
    return error


class EngineProcess:
    """One child process serving a backend's calls, restarted after a failure.

    Thread-safe: calls from several threads of one web process take turns.
    """

    def __init__(
        self,
        backend: type,
        params: dict[str, Any],
        *,
        timeout: float = 10.0,
        restart_after: float = 5.0,
        start_timeout: float = 60.0,
    ) -> None:
        self.backend_path = (backend.__module__, backend.__qualname__)
        self.params = params
        self.timeout = timeout
        self.restart_after = restart_after
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._send_conn: Connection | None = None
        self._recv_conn: Connection | None = None
        self._failed_at: float | None = None
        self._last_error = ""

    @property
    def pid(self) -> int | None:
        """Return the child's process id while it runs."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``backend.method(*args, **kwargs)`` in the child and return its result."""
        with self._lock:
            try:
                self._start()
                self._send_conn.send((method, args, kwargs))
                if not self._recv_conn.poll(self.timeout):
                    raise TimeoutError(f"no answer in {self.timeout:g} s")
                status, payload = self._recv_conn.recv()
            except (EOFError, OSError, TimeoutError, pickle.PickleError) as exc:
                raise self._died(exc) from exc
        if status == "error":
            raise payload
        return payload

    def _start(self) -> None:
        if self._proc is not None:
            return
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.restart_after:
            raise SearchEngineError(f"search engine is restarting after: {self._last_error}")
        parent_in, child_out = os.pipe()
        child_in, parent_out = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(child_in), str(child_out)],
                pass_fds=(child_in, child_out),
                env=env,
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        self._send_conn = Connection(parent_out, readable=False)
        self._recv_conn = Connection(parent_in, writable=False)
        self._send_conn.send((self.backend_path, self.params))
        # Starting (imports) is slow on a loaded machine: it has its own, longer limit.
        if not self._recv_conn.poll(self.start_timeout):
            raise TimeoutError(f"the engine process did not start in {self.start_timeout:g} s")
        self._recv_conn.recv()

    def _died(self, exc: BaseException) -> SearchEngineError:
        """Stop the child after a failed call and return the error to raise."""
        code = self._stop()
        reason = f"exit status {code}" if code is not None else str(exc) or type(exc).__name__
        if code is not None and code < 0:
            reason = f"killed by signal {-code}"
        self._failed_at = time.monotonic()
        self._last_error = reason
        logger.error("search: the engine process failed (%s); pages fall back", reason)
        return SearchEngineError(f"search engine process failed: {reason}")

    def _stop(self) -> int | None:
        proc, self._proc = self._proc, None
        for conn in (self._send_conn, self._recv_conn):
            if conn is not None:
                conn.close()
        self._send_conn = self._recv_conn = None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
            return None

    def close(self) -> None:
        """Stop the child (it also stops by itself when this process goes away)."""
        with self._lock:
            self._stop()

    def __del__(self) -> None:
        try:
            self._stop()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _portable(exc: BaseException) -> BaseException:
    """Return an exception the parent can unpickle: the original when possible."""
    exc = as_engine_error(exc)
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - anything unpicklable is reported by its text
        return SearchEngineError(f"{type(exc).__name__}: {exc}")
    return exc


def serve(receive: Connection, send: Connection) -> None:
    """Answer calls until the parent closes its end of the pipe."""
    (module, qualname), params = receive.recv()
    backend_class: Any = importlib.import_module(module)
    for part in qualname.split("."):
        backend_class = getattr(backend_class, part)
    backend = backend_class({**params, "ISOLATE": False})
    send.send(("ready", os.getpid()))
    while True:
        try:
            method, args, kwargs = receive.recv()
        except EOFError:
            return
        try:
            answer = ("ok", getattr(backend, method)(*args, **kwargs))
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - every engine failure goes back as an error
            answer = ("error", _portable(exc))
        send.send(answer)


if __name__ == "__main__":
    serve(
        Connection(int(sys.argv[1]), writable=False),
        Connection(int(sys.argv[2]), readable=False),
    )
