#!/bin/sh
# fuzz-run.sh SECONDS TARGET DICT SEED... : runs the libFuzzer TARGET for
# SECONDS over a corpus in tests/fuzz/corpus/<name>/ (build tree), seeded
# from the SEED files and directories; DICT is a dictionary file or "-".
# What libFuzzer finds stays in the corpus; a crash leaves
# tests/fuzz/corpus/<name>-crash-* and the run's log
# tests/fuzz/corpus/<name>.log, and the script exits 1.
set -u
secs=$1 target=$2 dict=$3
shift 3
name=${target##*/}
dir=tests/fuzz/corpus/$name
mkdir -p "$dir" || exit 1
for s in "$@"; do
    if [ -d "$s" ]; then
        cp "$s"/* "$dir"/ || exit 1
    else
        cp "$s" "$dir"/ || exit 1
    fi
done
set -- -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$dir-"
[ "$dict" = - ] || set -- "$@" -dict="$dict"
# Known leaks of the libraries, not of pgdeck (each explained there).
LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
echo "fuzz-run: $name, $secs s"
if ! "./$target" "$@" "$dir" >"$dir.log" 2>&1; then
    tail -n 80 "$dir.log"
    echo "fuzz-run: $name FAILED, see $dir.log"
    exit 1
fi
grep -E '^stat::number_of_executed_units' "$dir.log"
exit 0
