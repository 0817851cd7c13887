"""Helper processes as fresh interpreters (`proficio.children`): what `proficio serve` starts its
writer and judging worker with, without a resource tracker process."""

from __future__ import annotations

import operator
import os
import signal
import threading
import time
from typing import Any

import pytest

from proficio.children import CallingChild, ChildGone


def test_a_call_runs_in_the_child_and_the_child_is_kept_for_the_next() -> None:
    child = CallingChild(name="proficio-test")
    try:
        assert not child.running
        assert child.call(operator.add, 2, 3) == 5
        first = child.call(os.getpid)
        assert first != os.getpid()
        assert child.call(os.getpid) == first
        assert child.running
    finally:
        child.stop()
    assert not child.running


def test_what_the_call_raises_is_raised_here_and_the_child_goes_on() -> None:
    child = CallingChild(name="proficio-test")
    try:
        with pytest.raises(ValueError, match="invalid literal"):
            child.call(int, "seven")
        assert child.call(int, "7") == 7
    finally:
        child.stop()


def test_a_child_that_dies_mid_call_raises_child_gone_and_the_next_call_starts_another() -> None:
    child = CallingChild(name="proficio-test")
    try:
        pid = child.call(os.getpid)
        with pytest.raises(ChildGone):
            child.call(os._exit, 3)
        assert not child.running
        assert child.call(os.getpid) != pid
    finally:
        child.stop()


def test_ctrl_c_to_the_process_group_leaves_the_child_to_its_parent() -> None:
    """The terminal's SIGINT goes to every process of the group; the server stops its helpers
    itself, after their last answers."""
    child = CallingChild(name="proficio-test")
    try:
        pid = child.call(os.getpid)
        os.kill(pid, signal.SIGINT)
        time.sleep(0.3)
        assert child.call(os.getpid) == pid
    finally:
        child.stop()


def test_stop_ends_the_child_process() -> None:
    child = CallingChild(name="proficio-test")
    pid = child.call(os.getpid)
    child.stop()
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # a zombie until reaped: stop reaps it
            os.kill(pid, 0)
            time.sleep(0.1)


def test_stopping_a_child_mid_call_ends_it_at_once_and_the_caller_hears_so() -> None:
    """The server shutting down while a round is judged: nobody wants that answer."""
    child = CallingChild(name="proficio-test")
    child.call(os.getpid)
    process = child._child
    assert process is not None
    outcome: list[BaseException] = []
    waiting = threading.Thread(target=_call, args=(child, outcome, time.sleep, 30))
    waiting.start()
    time.sleep(0.3)  # the call is running in the child
    started = time.monotonic()
    child.stop()
    waiting.join(10)
    assert not waiting.is_alive() and time.monotonic() - started < 10
    assert [type(e) for e in outcome] == [ChildGone]
    assert not process.is_alive() and not child.running


def _call(child: CallingChild, outcome: list[BaseException], *call: Any) -> None:
    try:
        child.call(*call)
    except BaseException as exc:
        outcome.append(exc)
