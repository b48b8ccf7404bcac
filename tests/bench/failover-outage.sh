#!/bin/sh
# failover-outage.sh: write outage of a planned failover done the flyctl way
# (leases, stop the leader, repmgr standby promote --siblings-follow on the
# candidate, start the old leader) under a write loop.  pgbench (restarted
# whenever its connections drop, multi-host conninfo with
# target_session_attrs=read-write) inserts rows stamped with clock_timestamp();
# the longest gap between consecutive committed rows around the failover is
# the outage a client sees.  Target <= 1 s.
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"

PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
LEAD=${LEAD:-4}   # seconds of writes before the failover
TAIL=${TAIL:-4}   # seconds of writes after it
now() { date +%s.%N; }

pd_start >&2 || exit 1
pgc_app_create bench-fo >&2 || exit 1
n1=$(pgc_node_add bench-fo iad 1) || exit 1
ip1=$(pgc_ip bench-fo "$n1")
pd_wait_for primary 60 pgc_is_role "$ip1" primary >&2 || exit 1
n2=$(pgc_clone bench-fo "$n1") || exit 1
n3=$(pgc_clone bench-fo "$n1") || exit 1
ip2=$(pgc_ip bench-fo "$n2")
ip3=$(pgc_ip bench-fo "$n3")
pd_wait_for streaming 60 pgc_streaming_to "$ip1" "$n2" "$n3" >&2 || exit 1
for n in "$n1" "$n2" "$n3"; do
    pd_wait_for "checks $n" 120 pgc_checks_pass bench-fo "$n" >&2 || exit 1
done
pd_psql "$ip1" "CREATE TABLE w (id bigserial PRIMARY KEY, t timestamptz NOT NULL)"
echo 'INSERT INTO w (t) VALUES (clock_timestamp());' >"$PD_ROOT/w.sql"

stop_flag=$PD_ROOT/stop-writes
(
    export PGPASSFILE="$PD_DIR/pgpass" PGTARGETSESSIONATTRS=read-write PGCONNECT_TIMEOUT=2
    runs=0
    while [ ! -e "$stop_flag" ]; do
        "$PGBENCH" -n -c 2 -j 1 -T 600 -f "$PD_ROOT/w.sql" \
            -h "$ip1,$ip2,$ip3" -p 5433 -U postgres postgres >>"$PD_ROOT/pgbench.log" 2>&1 &
        pb=$!
        while kill -0 "$pb" 2>/dev/null && [ ! -e "$stop_flag" ]; do
            sleep 0.01
        done
        kill -TERM "$pb" 2>/dev/null
        wait "$pb" 2>/dev/null
        runs=$((runs + 1))
        echo "$runs" >"$PD_ROOT/pgbench-runs"
    done
) &
writer=$!
stop_writer() {
    [ -d "${stop_flag%/*}" ] && touch "$stop_flag"
    kill "$writer" 2>/dev/null
    return 0
}
tl_at_exit stop_writer
sleep "$LEAD"
t0=$(now)
pgc_flex_failover bench-fo
fo=$?
t1=$(now)
sleep "$TAIL"
: >"$stop_flag"
wait "$writer"
[ $fo -eq 0 ] || {
    echo "failover failed at $PGC_FO_STEP: $PGC_FO_ERR" >&2
    exit 1
}
ipn=$(pgc_ip bench-fo "$PGC_FO_NEW")
res=$(pd_psql "$ipn" "
    WITH g AS (SELECT t, t - lag(t) OVER (ORDER BY t) AS gap FROM w)
    SELECT round(extract(epoch FROM max(gap))::numeric, 3),
           (SELECT count(*) FROM w),
           round(extract(epoch FROM (SELECT t FROM g ORDER BY gap DESC NULLS LAST LIMIT 1)) - $t0, 2)
    FROM g")
gap=$(echo "$res" | cut -d'|' -f1)
rows=$(echo "$res" | cut -d'|' -f2)
at=$(echo "$res" | cut -d'|' -f3)
echo "RESULT|planned failover: flyctl sequence (leases..checks pass)|$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')|s|-"
echo "RESULT|planned failover: longest write gap ($rows commits, gap ends t+${at}s, $(cat "$PD_ROOT/pgbench-runs") pgbench runs)|$gap|s|<= 1"
pd_stop >&2
