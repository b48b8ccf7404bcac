#!/bin/sh
# timed.sh TEST [ARG...]: runs one test (the automake harness's
# LOG_COMPILER) and, after its output, adds the TAP comment
# "# test-time: MS ms" (wall clock).  The test's exit status is kept, and
# the comment lands in the test's .log, where tests/test-times.sh reads it.
t0=$(date +%s%N)
"$@"
rc=$?
t1=$(date +%s%N)
echo "# test-time: $(((t1 - t0) / 1000000)) ms"
exit "$rc"
