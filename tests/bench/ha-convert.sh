#!/bin/sh
# ha-convert.sh: `pgdeck ha CLUSTER --yes` on a single development node
# (256 MB, so the plan scales it to 1024 MB first) holding a ~200 MB
# database (pgbench -i -s 13): the whole conversion to three members in the
# primary region, end to end, and per step as the CLI prints it.  Target
# <= 20 s.  The result is checked: three machines, one primary, every
# replica with every pgbench row.
#   env: SCALE (pgbench scale, default 13 = ~200 MB), KEEP=1 prints the
#   CLI's output on stderr
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"
. "$srcdir/tests/lib/act.sh"

SCALE=${SCALE:-13}
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

pd_start >&2 || exit 1
act_env
act_cluster bench-ha 1 >&2 || exit 1
P=$ACT_PRIMARY
ip=$(pgc_ip bench-ha "$P")
PGPASSFILE=$PD_DIR/pgpass "$PGBENCH" -h "$ip" -p 5433 -U postgres -i -q -s "$SCALE" postgres \
    >"$PD_ROOT/pgbench-init.log" 2>&1 || {
    tail -n 5 "$PD_ROOT/pgbench-init.log" >&2
    exit 1
}
pd_psql "$ip" "CHECKPOINT" >/dev/null
size=$(pd_psql "$ip" "SELECT pg_database_size('postgres')")
mb=$(awk -v s="$size" 'BEGIN { printf "%d", s / 1048576 }')

t0=$(now)
"$PGDECK" ha bench-ha --yes --ascii >"$PD_ROOT/ha.out" 2>&1 </dev/null
rc=$?
t1=$(now)
[ "${KEEP:-0}" = 1 ] && cat "$PD_ROOT/ha.out" >&2
[ "$rc" = 0 ] || {
    echo "pgdeck ha exited $rc" >&2
    tail -n 20 "$PD_ROOT/ha.out" >&2
    exit 1
}
[ "$(pgc_ids bench-ha | wc -l)" = 3 ] || {
    echo "not three machines" >&2
    exit 1
}
for n in $(pgc_ids bench-ha); do
    rows=$(pd_psql "$(pgc_ip bench-ha "$n")" "SELECT count(*) FROM pgbench_accounts")
    [ "$rows" = $((SCALE * 100000)) ] || {
        echo "$n has $rows rows, want $((SCALE * 100000))" >&2
        exit 1
    }
done

# The plan's own time and each step's, from the CLI's lines
# "[ n/N] title: done (x.x s)" and "...: done in x.x s".
plan=$(sed -n 's/.*: done in \([0-9.]*\) s$/\1/p' "$PD_ROOT/ha.out" | tail -n 1)
echo "RESULT|ha convert (${mb} MB db, 1 -> 3 members): pgdeck ha end to end|$(dt "$t0" "$t1")|s|<= 20"
echo "RESULT|ha convert (${mb} MB db): the plan (update + 2 clones)|$plan|s|-"
sed -n 's/^\[ *\([0-9]*\)\/[0-9]*\] \(.*\): done (\([0-9.]*\) s)$/\1|\2|\3/p' "$PD_ROOT/ha.out" |
    while IFS='|' read -r n title secs; do
        # only the steps that take time
        case $secs in 0.0 | 0.1) continue ;; esac
        short=$(printf '%s' "$title" | sed 's/ (the config of.*//; s/[0-9a-f]\{14\}/M/g')
        echo "RESULT|ha convert step $n: $short|$secs|s|-"
    done
pd_stop >&2
