#!/bin/sh
# run-all.sh: runs every benchmark and prints one table (`make bench`).
# Each bench prints lines RESULT|what|value|unit|target; a target is
# "<= X" or "-" (none).  Exit 1 when a bench fails or misses its target.
: "${srcdir:?srcdir must be set (the source tree)}"
: "${builddir:?builddir must be set (the build tree)}"
export srcdir builddir

out=$(mktemp /tmp/pgdeck-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
rc=0
# The benches below first, then every other tests/bench/*.sh (each prints
# RESULT lines); BENCHES="name ..." runs only those.
if [ -z "${BENCHES:-}" ]; then
    BENCHES="list-latency replica-add failover-outage fleet-refresh"
    for f in "$srcdir"/tests/bench/*.sh; do
        b=${f##*/}
        b=${b%.sh}
        case " run-all $BENCHES " in
        *" $b "*) ;;
        *) BENCHES="$BENCHES $b" ;;
        esac
    done
fi
for b in $BENCHES; do
    echo "== $b" >&2
    if ! sh "$srcdir/tests/bench/$b.sh" >"$out.$b" 2>"$out.$b.err"; then
        echo "$b FAILED:" >&2
        tail -n 20 "$out.$b.err" >&2
        echo "RESULT|$b|FAILED||-" >>"$out"
        rc=1
    fi
    grep '^RESULT|' "$out.$b" >>"$out"
    rm -f "$out.$b" "$out.$b.err"
done
# The machine, so that figures from different hosts are not compared blind.
echo "machine: $(nproc) cores, $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
awk -F'|' '
    BEGIN { printf "%-78s %10s %-4s %-8s %s\n", "benchmark", "value", "unit", "target", "verdict"; bad = 0 }
    {
        v = "-"
        if ($3 == "FAILED") { v = "FAILED"; bad = 1 }
        else if ($5 ~ /^<= /) { lim = substr($5, 4) + 0; if ($3 + 0 <= lim) v = "ok"; else { v = "MISSED"; bad = 1 } }
        printf "%-78s %10s %-4s %-8s %s\n", $2, $3, $4, $5, v
    }
    END { exit bad }' "$out" || rc=1
exit $rc
