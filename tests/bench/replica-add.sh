#!/bin/sh
# replica-add.sh: add a replica to a primary holding a ~200 MB database the
# way `fly machine clone` does (volume create, machine create), and time it:
# from the machine create request to the new machine streaming in the
# primary's pg_stat_replication.  Target <= 5 s.
#   env: SCALE (pgbench scale, default 14 = ~210 MB)
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"

SCALE=${SCALE:-14}
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

pd_start >&2 || exit 1
pgc_app_create bench-rep >&2 || exit 1
n1=$(pgc_node_add bench-rep iad 3) || exit 1
ip1=$(pgc_ip bench-rep "$n1")
pd_wait_for primary 60 pgc_is_role "$ip1" primary >&2 || exit 1
PGPASSFILE=$PD_DIR/pgpass "$PGBENCH" -h "$ip1" -p 5433 -U postgres -i -q -s "$SCALE" postgres \
    >"$PD_ROOT/pgbench-init.log" 2>&1 || {
    tail -n 5 "$PD_ROOT/pgbench-init.log" >&2
    exit 1
}
pd_psql "$ip1" "CHECKPOINT" >/dev/null
size=$(pd_psql "$ip1" "SELECT pg_database_size('postgres')")
mb=$(awk -v s="$size" 'BEGIN { printf "%d", s / 1048576 }')

# The flyctl clone, timed step by step.
src=$(pd_api GET "/v1/apps/bench-rep/machines/$n1")
vol=$(pgc_volume_create bench-rep iad 3) || exit 1
body=$(printf '%s' "$src" | python3 -c '
import json, sys
m = json.load(sys.stdin)
cfg = m["config"]
cfg["mounts"] = [{"volume": sys.argv[1], "path": "/data"}]
print(json.dumps({"region": "iad", "config": cfg}))' "$vol")
t0=$(now)
pd_call POST /v1/apps/bench-rep/machines "$body"
t1=$(now)
[ "$PD_STATUS" = 200 ] || {
    echo "machine create: $PD_STATUS $PD_BODY" >&2
    exit 1
}
n2=$(printf '%s' "$PD_BODY" | pd_jq 'd["id"]')
pgc_wait_state bench-rep "$n2" started 60 || exit 1
t2=$(now)
streaming() {
    [ "$(pd_psql "$ip1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$n2' AND state = 'streaming'")" = 1 ]
}
while ! streaming; do
    if [ "$(dt "$t0" "$(now)" | cut -d. -f1)" -ge 120 ]; then
        echo "no streaming after 120 s" >&2
        exit 1
    fi
    sleep 0.02
done
t3=$(now)
ip2=$(pgc_ip bench-rep "$n2")
rows=$(pd_psql "$ip2" "SELECT count(*) FROM pgbench_accounts")
[ "$rows" = $((SCALE * 100000)) ] || {
    echo "replica has $rows rows, want $((SCALE * 100000))" >&2
    exit 1
}
echo "RESULT|add replica (${mb} MB db): create request answered|$(dt "$t0" "$t1")|s|-"
echo "RESULT|add replica (${mb} MB db): create -> state started|$(dt "$t0" "$t2")|s|-"
echo "RESULT|add replica (${mb} MB db): create -> streaming|$(dt "$t0" "$t3")|s|<= 5"
pd_stop >&2
