# SPDX-License-Identifier: BSD-3-Clause
"""What mc_live.py and mc_esp_live.py share: checks, commands, bounded waits."""
import asyncio
import subprocess
import time

STEP = 10.0  # seconds: the default bound of one wait
POLL = 0.05  # seconds between two looks at a condition


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(*args, check_rc=True):
    """The command's output (stdout and stderr, 30 s at most); a non-zero exit
    fails unless check_rc is False."""
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=30)
    if check_rc and r.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(args), r.returncode, r.stdout))
    return r.stdout


def _polls(what, fn, timeout):
    """Looks at fn() every POLL seconds for timeout seconds at most: yields the
    pause before the next look, returns fn()'s first true value, raises
    AssertionError naming `what` (and fn()'s last value) when time is up."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        yield POLL
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def wait_for(what, fn, timeout=STEP):
    """fn()'s first true value, looked at for timeout seconds at most."""
    polls = _polls(what, fn, timeout)
    while True:
        try:
            pause = next(polls)
        except StopIteration as done:
            return done.value
        time.sleep(pause)


async def wait_for_async(what, fn, timeout=STEP):
    """wait_for in a coroutine: the event loop goes on while it waits."""
    polls = _polls(what, fn, timeout)
    while True:
        try:
            pause = next(polls)
        except StopIteration as done:
            return done.value
        await asyncio.sleep(pause)
