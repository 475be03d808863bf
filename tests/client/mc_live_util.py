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


class _Poll:
    """Looks at fn() every POLL seconds for timeout seconds at most.  Iterating
    yields the pause before the next look; it ends with fn()'s first true value
    in .value, or raises AssertionError naming `what` (and fn()'s last value)
    when time is up."""

    def __init__(self, what, fn, timeout):
        self.what, self.fn, self.timeout, self.value = what, fn, timeout, None

    def __iter__(self):
        end = time.monotonic() + self.timeout
        last = None
        while time.monotonic() < end:
            last = self.fn()
            if last:
                self.value = last
                return
            yield POLL
        raise AssertionError("timed out waiting for %s (last: %r)" % (self.what, last))


def wait_for(what, fn, timeout=STEP):
    """fn()'s first true value, looked at for timeout seconds at most."""
    poll = _Poll(what, fn, timeout)
    for pause in poll:
        time.sleep(pause)
    return poll.value


async def wait_for_async(what, fn, timeout=STEP):
    """wait_for in a coroutine: the event loop goes on while it waits."""
    poll = _Poll(what, fn, timeout)
    for pause in poll:
        await asyncio.sleep(pause)
    return poll.value
