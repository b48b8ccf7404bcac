#!/bin/sh
# plan-times.sh: wall seconds of `pgdeck replica add`, `pgdeck failover`
# (after a second replica: three nodes) and `pgdeck ha` on fresh small
# clusters, RUNS (3) times each; prints "RESULT plan runN rc=RC SECONDS".
# Each cluster waits out the platform's secrets spread (5 s) first: the
# test helpers make it, so pgdeck knows no min_secrets_version for it
# (doc/architecture.md, "Fidelity to postgres-flex").
#   srcdir=... builddir=... sh tests/bench/plan-times.sh
# A benchmark keeps the default platform: full durability.
PD_FSYNC=${PD_FSYNC:-1}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"
. "$srcdir/tests/lib/act.sh"
PGDECK=${PGDECK:-$builddir/pgdeck}
RUNS=${RUNS:-3}
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
timed() { # timed NAME RUN pgdeck-args...
    _tn=$1 _tr=$2
    shift 2
    _t0=$(now)
    "$PGDECK" "$@" >"$PD_ROOT/plan.out" 2>&1
    _rc=$?
    echo "RESULT $_tn run$_tr rc=$_rc $(dt "$_t0" "$(now)")"
    [ "$_rc" = 0 ] || sed 's/^/# /' "$PD_ROOT/plan.out" >&2
}

pd_start >&2 || exit 1
act_env
run=1
while [ "$run" -le "$RUNS" ]; do
    act_cluster "ra$run" 1 >&2 || exit 1
    sleep 6
    timed replica-add "$run" replica add "ra$run" --yes
    pd_wait_for "streaming" 120 act_all_streaming "ra$run" >&2
    "$PGDECK" replica add "ra$run" --yes >/dev/null 2>&1
    pd_wait_for "streaming" 120 act_all_streaming "ra$run" >&2
    for id in $(pgc_ids "ra$run"); do
        pd_wait_for "checks" 120 pgc_checks_pass "ra$run" "$id" >&2
    done
    timed failover "$run" failover "ra$run" --yes
    act_cluster "ha$run" 1 >&2 || exit 1
    sleep 6
    timed ha "$run" ha "ha$run" --yes
    run=$((run + 1))
done
pd_stop >&2
