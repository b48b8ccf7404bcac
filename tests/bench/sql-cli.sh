#!/bin/sh
# sql-cli.sh: `pgdeck sql -c` on a large result: peak RSS and wall time of
# SELECT over 1,000,000 rows with sql.max_rows at its default (10,000: the
# rest is not fetched) and raised to 2,000,000 (every row kept), against
# psql's on the same query; and the time to the first row as the session
# sees it (a 5,000,000-row query capped at 1 row ends when the first row
# arrived and the cancel took effect).  Target: with the cap, RSS bounded
# (independent of the result's size); 100 ms to the first row.
#   env: ROWS (1000000)
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"
. "$srcdir/tests/lib/act.sh"

ROWS=${ROWS:-1000000}
Q="SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g"

pd_start >&2 || exit 1
act_env
act_cluster bench-sql 1 >&2 || exit 1
ip=$(pgc_ip bench-sql "$ACT_PRIMARY")
mkdir -p "$XDG_CONFIG_HOME/pgdeck"

# measure LABEL CMD...: "RSS_KB SECONDS" of CMD (output discarded).
measure() {
    _l=$1
    shift
    /usr/bin/time -f '%M %e' -o "$PD_ROOT/time-$_l" "$@" >/dev/null 2>"$PD_ROOT/err-$_l"
    cat "$PD_ROOT/time-$_l"
}

rm -f "$XDG_CONFIG_HOME/pgdeck/config"
set -- $(measure capped "$PGDECK" sql bench-sql -c "$Q")
echo "RESULT|pgdeck sql, $ROWS rows, sql.max_rows 10000: peak RSS|$1|KB|bounded"
echo "RESULT|pgdeck sql, $ROWS rows, sql.max_rows 10000: wall|$2|s|-"
printf 'sql = { max_rows = 2000000; };\n' >"$XDG_CONFIG_HOME/pgdeck/config"
chmod 600 "$XDG_CONFIG_HOME/pgdeck/config"
set -- $(measure full "$PGDECK" sql bench-sql -c "$Q")
echo "RESULT|pgdeck sql, $ROWS rows, every row kept: peak RSS|$1|KB|-"
echo "RESULT|pgdeck sql, $ROWS rows, every row kept: wall|$2|s|-"
set -- $(measure psql env PGPASSFILE="$PD_DIR/pgpass" psql -X -h "$ip" -p 5433 -U postgres -d postgres -c "$Q")
echo "RESULT|psql -c, $ROWS rows: peak RSS|$1|KB|-"
echo "RESULT|psql -c, $ROWS rows: wall|$2|s|-"
printf 'sql = { max_rows = 1; };\n' >"$XDG_CONFIG_HOME/pgdeck/config"
best=
for i in 1 2 3 4 5; do
    t0=$(date +%s%N)
    "$PGDECK" sql bench-sql -c "SELECT g FROM generate_series(1, 5000000) g" >/dev/null 2>&1
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
done
echo "RESULT|pgdeck sql, first row of 5,000,000 then cancel (whole command, best of 5)|$best|ms|-"
pd_stop
