#!/bin/sh
# refresh-scale.sh: full refresh wall time against the number of clusters
# (SIZES: 10 50 100 200 apps of NODES (3) placeholder machines), at 0 and
# 100 ms of API latency (LATENCIES), pgdeck as it is (http.max_per_host
# 16) against a sequential baseline (http.max_per_host 1: one request at a
# time, what a client without concurrency does); RUNS (3) runs each,
# median and spread (min-max).  A full refresh is one `pgdeck status
# --json` with no snapshot cache, process start included.  Prints RESULT
# lines for run-all.sh and a table on stderr.
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"

SIZES=${SIZES:-10 50 100 200}
LATENCIES=${LATENCIES:-0 100}
NODES=${NODES:-3}
RUNS=${RUNS:-3}
CONFIG='{"image":"library/ubuntu:latest","init":{"exec":["/bin/sleep","inf"]},"guest":{"cpu_kind":"shared","cpus":1,"memory_mb":256},"env":{"PRIMARY_REGION":"iad"},"metadata":{"fly-managed-postgres":"true"}}'

pd_start --enable-faults >&2 || exit 1
PGDECK_PLATFORM_DIR=$PD_DIR
XDG_STATE_HOME=$PD_ROOT/xdg
XDG_CONFIG_HOME=$PD_ROOT/xdg-config
export PGDECK_PLATFORM_DIR XDG_STATE_HOME XDG_CONFIG_HOME
unset FLY_API_TOKEN FLY_ACCESS_TOKEN PGDECK_CONFIG
(umask 077 && printf 'http = { max_per_host = 1; };\n' >"$PD_ROOT/seq.conf")

have=0
for n in $SIZES; do
    while [ "$have" -lt "$n" ]; do
        pgc_app_create "bench-$have" >&2 || exit 1
        i=0
        while [ $i -lt "$NODES" ]; do
            pgc_machine_create "bench-$have" iad "$CONFIG" >/dev/null || exit 1
            i=$((i + 1))
        done
        have=$((have + 1))
    done
    for lat in $LATENCIES; do
        pd_call DELETE /admin/faults
        if [ "$lat" -gt 0 ]; then
            pd_call POST /admin/faults "{\"path\":\"/v1/*\",\"latency_ms\":$lat}"
            [ "$PD_STATUS" = 201 ] || { echo "# fault: $PD_STATUS $PD_BODY" >&2; exit 1; }
        fi
        for mode in pgdeck sequential; do
            if [ "$mode" = sequential ]; then
                PGDECK_CONFIG=$PD_ROOT/seq.conf
                export PGDECK_CONFIG
            else
                unset PGDECK_CONFIG
            fi
            r=$(python3 "$srcdir/tests/bench/refresh_time.py" \
                "$builddir/pgdeck" "$RUNS" "$n" "$NODES") || exit 1
            printf '%s' "$r" | python3 -c '
import json, sys
r = json.load(sys.stdin)
n, lat, mode = sys.argv[1:4]
t = r["times"]
med = t[len(t) // 2]
print("RESULT|full refresh, %s clusters, %s ms latency, %s (median of %d; spread %.3f-%.3f)|%.3f|s|-"
      % (n, lat, mode, len(t), t[0], t[-1], med))
print("# %4s clusters %4s ms %-10s median %.3f s  min %.3f  max %.3f"
      % (n, lat, mode, med, t[0], t[-1]), file=sys.stderr)
' "$n" "$lat" "$mode"
        done
    done
done
pd_stop >&2
