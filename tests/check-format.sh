#!/bin/sh
# check-format: every C file is as clang-format (per .clang-format) leaves it.
srcdir=${srcdir:-.}
. "$srcdir/tests/lib/tap.sh"
cd "$srcdir" || exit 99
if ! command -v clang-format >/dev/null 2>&1; then
    echo "Bail out! clang-format not installed (apt-get install clang-format)"
    exit 1
fi
for f in $(find src ui tests -name '*.[ch]' | sort); do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1
    tap_check $? "clang-format: $f"
done
tap_done
