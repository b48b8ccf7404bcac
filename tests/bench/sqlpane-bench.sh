#!/bin/sh
# sqlpane-bench.sh: the SQL pane's benchmarks, through tmux against
# pgdeck-platformd with the demo fleet (acme-db's primary):
#   1. keypress -> redraw (in-process, PGDECK_UI_TRACE) while scrolling a
#      100k-row result (sql.max_rows = 100000): N keys, PgDn / j / k / PgUp
#      / l / h in turn, results focused; p50, p99, max; target <= 20 ms;
#   2. peak RSS (VmHWM) of the console before and after a result capped at
#      10000 rows (sql.max_rows default) of wide rows (~1 KB each).
# Prints RESULT|what|value|unit|target lines.  N (default 300).
# BENCH_CONFIG replaces the config of part 1 (default: sql.max_rows
# 100000), for a build whose pane keeps 100k rows otherwise; PARTS (default
# 12) chooses the parts to run.
srcdir=${srcdir:-.}
builddir=${builddir:-.}
. "$srcdir/tests/lib/tap.sh"
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/tmux.sh"

N=${N:-300}
pd_start --seed demo || exit 1
home=$PD_ROOT/sqlpane-bench
mkdir -p "$home/config/pgdeck" "$home/state"
trace=$home/trace

# console CONFIG-TEXT: pgdeck in tmux (120x40) with CONFIG-TEXT as its config.
console() {
    printf '%s\n' "$1" >"$home/config/pgdeck/config"
    chmod 600 "$home/config/pgdeck/config"
    tmx_stop
    TMX_SOCKET=pgdeck-sqlbench-$$-$2
    : >"$trace"
    tmx_start 120 40 "env PGDECK_PLATFORM_DIR='$PD_DIR' \
XDG_CONFIG_HOME='$home/config' XDG_STATE_HOME='$home/state' \
PGDECK_THEME_DIR='$srcdir/themes' PGDECK_UI_TRACE='$trace' \
'$builddir/pgdeck'; echo EXIT=\$?; exec cat"
    tmx_wait_for "live" 90 >/dev/null || exit 1
    # p until the pane is open (the demo fleet may have no primary yet),
    # then until its session is idle
    _i=0
    until tmx_capture | grep -qE '^ SQL .* idle *$'; do
        _i=$((_i + 1))
        [ "$_i" -lt 900 ] || exit 1
        if [ $((_i % 20)) = 1 ] && ! tmx_capture | grep -q '^ SQL '; then
            tmx_send p
        fi
        sleep 0.1
    done
}

# sql TEXT: types TEXT (the ';' escaped for tmux) and Enter.
sql() {
    tmx_send_text "$1"
    tmx_send '\;' Enter
}

# pgdeck_pid: the console's process (the child of the pane's shell).
pgdeck_pid() {
    pgrep -P "$(tmx display-message -p -t "$TMX_SESSION" '#{pane_pid}')" pgdeck
}

hwm() {
    awk '/^VmHWM/ { print $2 }' "/proc/$1/status"
}

PARTS=${PARTS:-12}
case $PARTS in *1*) ;; *) part1=no ;; esac
case $PARTS in *2*) ;; *) part2=no ;; esac

# 1. scrolling a 100k-row result
if [ "${part1:-}" != no ]; then
cfg1='sql = { max_rows = 100000; };'
[ "${BENCH_CONFIG+set}" = set ] && cfg1=$BENCH_CONFIG
console "$cfg1" 1
sql "select g, md5(g::text) as h, repeat('z', 60) as pad, now() as t from generate_series(1, 100000) g"
tmx_wait_for "100000 rows" 120 >/dev/null || exit 1
tmx_send Tab
sleep 0.5
: >"$trace"
i=0
while [ "$i" -lt "$N" ]; do
    case $((i % 6)) in
    0) k=NPage ;; 1) k=j ;; 2) k=l ;; 3) k=k ;; 4) k=h ;; 5) k=NPage ;;
    esac
    tmx_send "$k"
    sleep 0.05
    i=$((i + 1))
done
sleep 1
grep '^key->draw ' "$trace" | awk '{ print $2 / 1000.0 }' | sort -n >"$home/lat"
cnt=$(wc -l <"$home/lat")
p50=$(awk -v n="$cnt" 'NR == int(0.5 * (n - 1) + 1.5) { print; exit }' "$home/lat")
p99=$(awk -v n="$cnt" 'NR == int(0.99 * (n - 1) + 1.5) { print; exit }' "$home/lat")
max=$(tail -n 1 "$home/lat")
echo "RESULT|keypress->redraw p50, 100k-row result scrolled ($cnt keys)|$p50|ms|<= 20"
echo "RESULT|keypress->redraw p99, 100k-row result scrolled ($cnt keys)|$p99|ms|<= 20"
echo "RESULT|keypress->redraw max, 100k-row result scrolled|$max|ms|"
echo "RESULT|screen at the end|$(tmx_capture | grep -E 'rows [0-9]+-' | head -n 1)||"
pid=$(pgdeck_pid)
echo "RESULT|peak RSS with the 100k-row result|$(hwm "$pid")|kB|"
tmx_send Escape q
tmx_wait_for "EXIT=" 10 >/dev/null
fi

# 2. peak RSS with a capped result of wide rows
if [ "${part2:-}" != no ]; then
console '' 2
pid=$(pgdeck_pid)
before=$(hwm "$pid")
sql "select g, repeat(md5(g::text), 32) as wide, g * 2 as n from generate_series(1, 50000) g"
tmx_wait_for "truncated at 10000 rows" 120 >/dev/null || exit 1
after=$(hwm "$pid")
echo "RESULT|peak RSS before the query|$before|kB|"
echo "RESULT|peak RSS after 10000 capped rows of ~1 KB|$after|kB|"
tmx_send Escape q
tmx_wait_for "EXIT=" 10 >/dev/null
fi
tmx_stop
pd_stop
