#!/bin/sh
# test-times.sh [BUILDDIR] [N]: where a `make check` run's time went, from
# the "# test-time:" lines tests/timed.sh leaves in each test's .log.
#   - the N (15) slowest test scripts, slowest first, in seconds;
#   - per suite (the folder under tests/: unit, integration, actions, tui,
#     drills, faults, sql, platformd; "source" for tests/check-*): scripts,
#     cases (results in the .trs files) and the seconds they took, added up
#     (scripts run side by side, so the sum is more than the wall time).
# Prints nothing when no log has a time (a run without the wrapper).
set -u
dir=${1:-.}
n=${2:-15}
cd "$dir" || exit 1
[ -d tests ] || exit 0
find tests -name '*.log' -type f | sort | while read -r log; do
    ms=$(sed -n 's/^# test-time: \([0-9][0-9]*\) ms$/\1/p' "$log" | tail -n 1)
    [ -n "$ms" ] || continue
    trs=${log%.log}.trs
    cases=0
    [ -f "$trs" ] && cases=$(grep -c '^:test-result:' "$trs")
    suite=${log#tests/}
    case $suite in
    */*) suite=${suite%%/*} ;;
    *) suite=source ;;
    esac
    echo "$ms $cases $suite ${log%.log}"
done >"${TMPDIR:-/tmp}/test-times.$$"
if [ -s "${TMPDIR:-/tmp}/test-times.$$" ]; then
    echo "slowest test scripts:"
    sort -rn "${TMPDIR:-/tmp}/test-times.$$" | head -n "$n" |
        awk '{ printf "  %7.1f s  %s\n", $1 / 1000, $4 }'
    echo "per suite (seconds added up over its scripts):"
    awk '{ ms[$3] += $1; c[$3] += $2; k[$3]++ }
         END { for (s in ms)
                   printf "  %-12s %3d scripts %5d cases %7.1f s\n",
                          s, k[s], c[s], ms[s] / 1000 }' \
        "${TMPDIR:-/tmp}/test-times.$$" | sort
fi
rm -f "${TMPDIR:-/tmp}/test-times.$$"
