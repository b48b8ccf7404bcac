#!/bin/sh
# fleet-refresh.sh: one full refresh of the fleet model (apps list, every
# app's machines and volumes, every node's SQL probe) for CLUSTERS apps of
# NODES placeholder machines each, with LATENCY ms injected on every API
# call (platformd's /admin latency fault); and pgdeck's peak RSS doing it.
# A full refresh is exactly what `pgdeck status --json` does once, so the
# bench times that command, process start included.  Placeholder machines
# carry metadata fly-managed-postgres=true, so they count as Postgres nodes;
# nothing listens on their 5433, so every probe is refused at once.
# Prints RESULT lines for run-all.sh.
#   env: CLUSTERS (100), NODES (3), LATENCY (100), RUNS (5)
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"

CLUSTERS=${CLUSTERS:-100}
NODES=${NODES:-3}
LATENCY=${LATENCY:-100}
RUNS=${RUNS:-5}
CONFIG='{"image":"library/ubuntu:latest","init":{"exec":["/bin/sleep","inf"]},"guest":{"cpu_kind":"shared","cpus":1,"memory_mb":256},"env":{"PRIMARY_REGION":"iad"},"metadata":{"fly-managed-postgres":"true"}}'

pd_start --enable-faults >&2 || exit 1
c=0
while [ $c -lt "$CLUSTERS" ]; do
    pgc_app_create "bench-$c" >&2 || exit 1
    i=0
    while [ $i -lt "$NODES" ]; do
        pgc_machine_create "bench-$c" iad "$CONFIG" >/dev/null || exit 1
        i=$((i + 1))
    done
    c=$((c + 1))
done
pd_call POST /admin/faults "{\"path\":\"/v1/*\",\"latency_ms\":$LATENCY}"
[ "$PD_STATUS" = 200 ] || [ "$PD_STATUS" = 201 ] || {
    echo "# fault: $PD_STATUS $PD_BODY" >&2
    exit 1
}

PGDECK_PLATFORM_DIR=$PD_DIR
XDG_STATE_HOME=$PD_ROOT/xdg
XDG_CONFIG_HOME=$PD_ROOT/xdg-config
export PGDECK_PLATFORM_DIR XDG_STATE_HOME XDG_CONFIG_HOME
unset FLY_API_TOKEN FLY_ACCESS_TOKEN PGDECK_CONFIG

# Second series: the same with http.max_per_host = 32 (default 16).
(umask 077 && printf 'http = { max_per_host = 32; };\n' >"$PD_ROOT/conc32.conf")

for conc in 16 32; do
if [ "$conc" = 32 ]; then
    PGDECK_CONFIG=$PD_ROOT/conc32.conf
    export PGDECK_CONFIG
fi
r=$(python3 "$srcdir/tests/bench/refresh_time.py" "$builddir/pgdeck" "$RUNS" \
    "$CLUSTERS" "$NODES") || exit 1
printf '%s' "$r" | python3 -c '
import json, sys
r = json.load(sys.stdin)
nc, nn, lat, conc = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = r["times"]
print("# runs (s), max_per_host %s: " % conc + " ".join("%.3f" % x for x in t), file=sys.stderr)
print("RESULT|full refresh, %d clusters x %d machines, %s ms API latency, http.max_per_host %s (median of %d)|%.3f|s|%s"
      % (nc, nn, lat, conc, len(t), t[len(t) // 2], "<= 1.0" if conc == "16" else "-"))
print("RESULT|  worst of %d|%.3f|s|-" % (len(t), t[-1]))
print("RESULT|pgdeck peak RSS at %d machines, max_per_host %s|%.1f|MB|<= 20" % (nc * nn, conc, r["rss_kb"] / 1024.0))
' "$CLUSTERS" "$NODES" "$LATENCY" "$conc"
done
