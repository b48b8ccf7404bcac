#!/bin/sh
# ui-bench.sh: the console's own benchmarks, on a pseudo-terminal
# (tests/bench/ui_pty.py) against pgdeck-platformd with the demo fleet:
#   1. keypress -> redraw latency (p50, p99) while every API call hangs
#      (platformd's /admin hang fault on /v1/), then with the API healthy
#      (refreshes arriving every 2 s meanwhile), measured two ways: from the
#      key written to the pty to the first byte of the redraw (pty), and
#      in-process from the key read to doupdate() (PGDECK_UI_TRACE);
#      target <= 20 ms;
#   2. bytes written to the terminal per idle refresh (target <= 200): the
#      whole demo fleet (syd-db's paused replica makes its lag grow: not
#      idle) and the fleet filtered to dev-db (idle).
# Prints RESULT|what|value|unit|target lines.  N (keys, default 200) and
# IDLE_S (seconds, default 30) can be set in the environment.
srcdir=${srcdir:-.}
builddir=${builddir:-.}
. "$srcdir/tests/lib/tap.sh"
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"

N=${N:-200}
IDLE_S=${IDLE_S:-30}
pd_start --seed demo --enable-faults || exit 1
home=$PD_ROOT/ui-bench
mkdir -p "$home/config/pgdeck" "$home/state"
PGDECK_PLATFORM_DIR=$PD_DIR XDG_CONFIG_HOME=$home/config \
    XDG_STATE_HOME=$home/state PGDECK_THEME_DIR=$srcdir/themes
export PGDECK_PLATFORM_DIR XDG_CONFIG_HOME XDG_STATE_HOME PGDECK_THEME_DIR

# inproc HOW: p50 and p99 of the in-process key -> doupdate() times traced.
inproc() {
    grep '^key->draw ' "$trace" | awk '{ print $2 / 1000.0 }' | sort -n >"$home/inproc"
    cnt=$(wc -l <"$home/inproc")
    [ "$cnt" -gt 0 ] || return 0
    p50=$(awk -v n="$cnt" 'NR == int(0.5 * (n - 1) + 1.5) { print; exit }' "$home/inproc")
    p99=$(awk -v n="$cnt" 'NR == int(0.99 * (n - 1) + 1.5) { print; exit }' "$home/inproc")
    echo "RESULT|keypress->redraw p50 (in-process, $1, $cnt keys)|$p50|ms|<= 20"
    echo "RESULT|keypress->redraw p99 (in-process, $1, $cnt keys)|$p99|ms|<= 20"
}

# 1. latency with every API call hanging
trace=$home/trace
ready=$home/ready
(
    while [ ! -e "$ready" ]; do sleep 0.05; done
    pd_call POST /admin/faults '{"path": "/v1/", "hang": true}'
    echo "# hang fault: HTTP $PD_STATUS"
    touch "$ready.go"
) &
helper=$!
PGDECK_UI_TRACE=$trace BENCH_READY=$ready \
    python3 "$srcdir/tests/bench/ui_pty.py" latency "$builddir/pgdeck" "$N"
wait "$helper"
pd_call DELETE /admin/faults
inproc "API hanging"

# 1b. the same with the API healthy (refreshes keep arriving meanwhile)
rm -f "$trace"
PGDECK_UI_TRACE=$trace python3 "$srcdir/tests/bench/ui_pty.py" latency \
    "$builddir/pgdeck" "$N"
inproc "API healthy"

# 2. bytes per idle refresh
python3 "$srcdir/tests/bench/ui_pty.py" idle "$builddir/pgdeck" "$IDLE_S"
python3 "$srcdir/tests/bench/ui_pty.py" idle "$builddir/pgdeck" "$IDLE_S" dev-db
pd_stop
