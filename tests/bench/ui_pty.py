#!/usr/bin/env python3
"""ui_pty.py: drive the real pgdeck on a pseudo-terminal for the UI benches.

  ui_pty.py latency PGDECK N     keypress -> redraw latency: writes j / k
                                 alternately (the selection moves, so every
                                 key must redraw) and times the first byte
                                 of output after each key; prints p50/p99
  ui_pty.py idle PGDECK SECONDS [FILTER]  bytes written to the terminal over
                                 SECONDS of idle refreshes (optionally after
                                 typing /FILTER Enter)

The environment (PGDECK_PLATFORM_DIR, XDG_*, PGDECK_UI_TRACE, the hang
fault set by the caller) is passed through.  Output: RESULT|what|value|unit
lines.  Only the pty is timed: nothing here sleeps to make a measurement.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

COLS, ROWS = int(os.environ.get("COLS", 120)), int(os.environ.get("ROWS", 40))


def spawn(pgdeck):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = os.environ.get("BENCH_TERM", "xterm")
        os.execv(pgdeck, [pgdeck])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def drain(fd, quiet_s, max_s):
    """Reads until nothing came for QUIET_S (or MAX_S passed); bytes read."""
    got = b""
    end = time.monotonic() + max_s
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], quiet_s)
        if not r:
            break
        try:
            got += os.read(fd, 65536)
        except OSError:
            break
    return got


def wait_for(fd, text, max_s):
    seen = b""
    end = time.monotonic() + max_s
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            seen += os.read(fd, 65536)
            if text in seen:
                return True
    return False


def stop(pid, fd):
    os.write(fd, b"q")
    drain(fd, 0.3, 5)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def latency(pgdeck, n):
    pid, fd = spawn(pgdeck)
    if not wait_for(fd, b"syd-db", 120):
        print("# the fleet never showed up")
        stop(pid, fd)
        return 1
    drain(fd, 1.0, 10)
    ready = os.environ.get("BENCH_READY")
    if ready:  # the caller installs the hang fault now
        open(ready, "w").close()
        go = ready + ".go"
        end = time.monotonic() + 30
        while not os.path.exists(go) and time.monotonic() < end:
            select.select([], [], [], 0.05)
        os.write(fd, b"r")  # refresh now: every API call starts and hangs
        drain(fd, 0.5, 5)
    lat = []
    for i in range(n):
        key = b"j" if i % 2 == 0 else b"k"
        t0 = time.monotonic()
        os.write(fd, key)
        r, _, _ = select.select([fd], [], [], 2.0)
        if not r:
            lat.append(2000.0)
            continue
        lat.append((time.monotonic() - t0) * 1000.0)
        drain(fd, 0.02, 1)  # the rest of this redraw
    stop(pid, fd)
    how = "API hanging" if ready else "API healthy"
    print("RESULT|keypress->redraw p50 (pty, %s)|%.2f|ms|<= 20"
          % (how, pct(lat, 50)))
    print("RESULT|keypress->redraw p99 (pty, %s)|%.2f|ms|<= 20"
          % (how, pct(lat, 99)))
    print("RESULT|keypress->redraw p90 (pty, %s)|%.2f|ms|-"
          % (how, pct(lat, 90)))
    print("RESULT|keypress->redraw max (pty, %s)|%.2f|ms|-"
          % (how, max(lat)))
    print("RESULT|keys over 20 ms (%s)|%d of %d|keys|-"
          % (how, len([x for x in lat if x > 20]), len(lat)))
    return 0


def idle(pgdeck, seconds, flt):
    pid, fd = spawn(pgdeck)
    if not wait_for(fd, b"syd-db", 120):
        print("# the fleet never showed up")
        stop(pid, fd)
        return 1
    if flt:
        os.write(fd, b"/" + flt.encode() + b"\r")
    drain(fd, 3.0, 30)  # settle: first rounds, sparklines filling
    t0 = time.monotonic()
    got = drain(fd, seconds + 1, seconds)
    el = time.monotonic() - t0
    stop(pid, fd)
    interval = float(os.environ.get("BENCH_INTERVAL_S", "2"))
    refreshes = el / interval
    print("RESULT|bytes written in %.0f s idle%s|%d|bytes|-"
          % (el, " (/%s)" % flt if flt else "", len(got)))
    print("RESULT|bytes per idle refresh%s|%.1f|bytes|<= 200"
          % (" (/%s)" % flt if flt else " (whole demo fleet)",
             len(got) / refreshes))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "latency":
        sys.exit(latency(sys.argv[2], int(sys.argv[3])))
    sys.exit(idle(sys.argv[2], float(sys.argv[3]),
                  sys.argv[4] if len(sys.argv) > 4 else ""))
