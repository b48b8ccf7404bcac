#!/bin/sh
# console-idle.sh: the console at rest against real Postgres nodes.
#   APPS (10) apps of NODES (3) postgres-flex nodes each (volume + machine
#   through the API, the first the primary, the others replicas) on a
#   fresh platformd; then, in a tmux pane of COLS x ROWS (120x40):
#   1. pgdeck's CPU over IDLE_S (60) seconds of the fleet view, from
#      /proc/PID/stat utime+stime (target <= 1 %);
#   2. bytes written to the terminal per refresh (tmux pipe-pane), pgdeck
#      in the fleet view and in the cluster view of pg-0, and pg_activity
#      (if installed) at the same size against pg-0's primary, each over
#      BYTES_S (30) seconds at a 2 s refresh.
# Prints RESULT|what|value|unit|target lines.
srcdir=${srcdir:-.}
builddir=${builddir:-.}
. "$srcdir/tests/lib/tap.sh"
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"
. "$srcdir/tests/lib/tmux.sh"

APPS=${APPS:-10}
NODES=${NODES:-3}
IDLE_S=${IDLE_S:-60}
BYTES_S=${BYTES_S:-30}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
TOTAL=$((APPS * NODES))
TMX_SOCKET=pgdeck-idle-bench-$$

pd_start >&2 || exit 1
home=$PD_ROOT/idle-bench
mkdir -p "$home/config" "$home/state"
PGDECK_PLATFORM_DIR=$PD_DIR XDG_CONFIG_HOME=$home/config \
    XDG_STATE_HOME=$home/state PGDECK_THEME_DIR=$srcdir/themes
export PGDECK_PLATFORM_DIR XDG_CONFIG_HOME XDG_STATE_HOME PGDECK_THEME_DIR
unset FLY_API_TOKEN FLY_ACCESS_TOKEN PGDECK_CONFIG NO_COLOR

t0=$(date +%s)
c=0
while [ $c -lt "$APPS" ]; do
    pgc_app_create "pg-$c" >&2 || exit 1
    i=0
    while [ $i -lt "$NODES" ]; do
        id=$(pgc_node_add "pg-$c" iad 1) || exit 1
        [ $c = 0 ] && [ $i = 0 ] && PRIMARY_ID=$id
        i=$((i + 1))
    done
    c=$((c + 1))
done
echo "# $TOTAL nodes created in $(($(date +%s) - t0)) s" >&2

# Until `pgdeck status` sees every node with a fresh SQL probe and a role.
start=$(date +%s)
while :; do
    "$builddir/pgdeck" status --json >"$home/status.json" 2>/dev/null
    if python3 - "$home/status.json" "$TOTAL" <<'PY'; then break; fi
import json, sys
d = json.load(open(sys.argv[1]))
n = [x for c in d["clusters"] for x in c["nodes"]]
ok = [x for x in n if not x["stale"] and x["role"] in ("primary", "replica")]
sys.exit(0 if len(ok) == int(sys.argv[2]) else 1)
PY
    if [ $(($(date +%s) - start)) -ge 300 ]; then
        echo "# the nodes never all answered; last status:" >&2
        head -c 2000 "$home/status.json" >&2
        exit 1
    fi
    sleep 2
done
echo "# every node answers its probe after $(($(date +%s) - start)) s" >&2

# ticks PID: utime + stime of PID in clock ticks.
ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
# bytes_over NAME SECONDS: bytes the pane writes in SECONDS (pipe-pane).
bytes_over() {
    : >"$home/$1.out"
    tmx pipe-pane -o -t "$TMX_SESSION" "cat >>'$home/$1.out'"
    sleep "$2"
    tmx pipe-pane -t "$TMX_SESSION"
    sleep 0.5
    wc -c <"$home/$1.out" | tr -d ' '
}

# per_minute WHO WHAT: the bytes N written over BYTES_S, per minute.
per_minute() {
    echo "RESULT|$1 bytes per idle minute, $2|$(awk -v n="$n" -v s="$BYTES_S" 'BEGIN { printf "%.0f", n * 60 / s }')|bytes|-"
}

# 1. pgdeck: idle CPU in the fleet view.
tmx_start "$COLS" "$ROWS" "env LANG=C.UTF-8 '$builddir/pgdeck' --debug '$home/debug.log'" ||
    exit 1
tmx_wait_for "live" 120 >&2 || exit 1
tmx_wait_for "clusters ($APPS)" 60 >&2 || exit 1
pid=$(pgrep -n -f -- "--debug $home/debug.log")
[ -n "$pid" ] || exit 1
sleep 10 # let the first rounds and the cache write settle
hz=$(getconf CLK_TCK)
a=$(ticks "$pid")
t1=$(date +%s.%N)
sleep "$IDLE_S"
b=$(ticks "$pid")
t2=$(date +%s.%N)
cpu=$(awk -v a="$a" -v b="$b" -v hz="$hz" -v t1="$t1" -v t2="$t2" \
    'BEGIN { printf "%.2f", (b - a) / hz / (t2 - t1) * 100 }')
echo "RESULT|pgdeck idle CPU, fleet view, $TOTAL real nodes, ${IDLE_S} s, ${COLS}x${ROWS}|$cpu|%|<= 1"
rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
echo "RESULT|pgdeck RSS at idle, fleet view, $TOTAL real nodes|$rss|MB|<= 20"

# 2. bytes per refresh (refresh.fast 2 s).
refreshes=$((BYTES_S / 2))
n=$(bytes_over fleet "$BYTES_S")
echo "RESULT|pgdeck bytes per idle refresh, fleet view ($TOTAL nodes)|$(awk -v n="$n" -v r="$refreshes" 'BEGIN { printf "%.1f", n / r }')|bytes|<= 200"
per_minute pgdeck "fleet view"
tmx_send ':'
tmx_send_text 'cluster pg-0'
tmx_send Enter
tmx_wait_for "cluster pg-0" 10 >&2 || exit 1
sleep 6
n=$(bytes_over cluster "$BYTES_S")
echo "RESULT|pgdeck bytes per idle refresh, cluster view of pg-0|$(awk -v n="$n" -v r="$refreshes" 'BEGIN { printf "%.1f", n / r }')|bytes|<= 200"
per_minute pgdeck "cluster view of pg-0"
tmx_send q
tmx_stop

if command -v pg_activity >/dev/null 2>&1; then
    ip=$(pgc_ip pg-0 "$PRIMARY_ID")
    TMX_SOCKET=pgdeck-idle-bench-pga-$$
    tmx_start "$COLS" "$ROWS" "env LANG=C.UTF-8 PGPASSFILE='$PD_DIR/pgpass' \
pg_activity --refresh 2 'host=$ip port=5433 user=postgres dbname=postgres'" ||
        exit 1
    tmx_wait_for "PID" 30 >&2 || {
        tmx_capture >&2
        exit 1
    }
    sleep 6
    n=$(bytes_over pga "$BYTES_S")
    echo "RESULT|pg_activity bytes per idle refresh, pg-0 primary (same size)|$(awk -v n="$n" -v r="$refreshes" 'BEGIN { printf "%.1f", n / r }')|bytes|-"
    per_minute pg_activity "pg-0 primary"
    tmx_capture >"$home/pga.screen"
    tmx_stop
else
    echo "# pg_activity is not installed (apt-get install pg-activity)" >&2
fi
pd_stop
