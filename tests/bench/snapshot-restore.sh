#!/bin/sh
# snapshot-restore.sh: `pgdeck snapshot create` and `pgdeck snapshot restore`
# on a one-node cluster holding a ~200 MB database, timed from the command's
# start to its exit (the restore: until the new node is started, its checks
# pass and its role check says primary); the restored database's checksum is
# compared with the source's at snapshot time (must be equal).  No target
# from the issues: the figures go to doc/architecture.md ("Snapshots").
#   env: SCALE (pgbench scale, default 14 = ~210 MB)
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"
. "$srcdir/tests/lib/act.sh"

SCALE=${SCALE:-14}
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
SUM="SELECT count(*) || ':' || sum(abalance) || ':' || md5(string_agg(aid::text, ',' ORDER BY aid)) FROM pgbench_accounts"

pd_start >&2 || exit 1
act_env
act_cluster bench-snap 1 >&2 || exit 1
ip1=$(pgc_ip bench-snap "$ACT_PRIMARY")
PGPASSFILE=$PD_DIR/pgpass "$PGBENCH" -h "$ip1" -p 5433 -U postgres -i -q -s "$SCALE" postgres \
    >"$PD_ROOT/pgbench-init.log" 2>&1 || {
    tail -n 5 "$PD_ROOT/pgbench-init.log" >&2
    exit 1
}
mb=$(pd_psql "$ip1" "SELECT pg_database_size('postgres') / 1048576")
before=$(pd_psql "$ip1" "$SUM")

t0=$(now)
act create snapshot create bench-snap --yes
t1=$(now)
[ "$ACT_RC" = 0 ] || { echo "snapshot create: $ACT_OUT" >&2; exit 1; }
snap=$(printf '%s\n' "$ACT_OUT" | sed -n 's/^snapshot \(vs_[A-Za-z0-9]*\) taken$/\1/p')
# Writes after the snapshot: the restore must not have them.
PGPASSFILE=$PD_DIR/pgpass "$PGBENCH" -h "$ip1" -p 5433 -U postgres -n -T 3 postgres \
    >/dev/null 2>&1
t2=$(now)
act restore snapshot restore bench-snap "$snap" --as bench-copy --yes
t3=$(now)
[ "$ACT_RC" = 0 ] || { echo "snapshot restore: $ACT_OUT" >&2; exit 1; }
ip2=$(pgc_ip bench-copy "$(pgc_ids bench-copy)")
after=$(pd_psql "$ip2" "$SUM")
same=no
[ "$after" = "$before" ] && same=yes
echo "RESULT|pgdeck snapshot create, ${mb} MB database|$(dt "$t0" "$t1")|s|-"
echo "RESULT|pgdeck snapshot restore --as (new app, volume, node primary), ${mb} MB|$(dt "$t2" "$t3")|s|-"
echo "RESULT|restored data equal to the data at snapshot time ($same)|$([ $same = yes ] && echo 0 || echo 1)|diff|<= 0"
pd_stop >&2
