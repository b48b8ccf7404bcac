#!/bin/sh
# check-layering: src/ never includes curses or ui/; only ui/curses_compat.h
# includes curses; platformd does not reach into the console's modules.
srcdir=${srcdir:-.}
. "$srcdir/tests/lib/tap.sh"
cd "$srcdir" || exit 99

hits=$(grep -rnE '#include *[<"](n?curses|ncursesw/|term\.h|ui/)' src || true)
tap_is "$hits" "" "src/ includes neither curses nor ui/"

hits=$(grep -rnlE '#include *<(ncursesw/)?n?curses\.h>' ui | grep -v '^ui/curses_compat\.h$' || true)
tap_is "$hits" "" "only ui/curses_compat.h includes curses"

hits=$(grep -rnE '#include *"src/platformd/' src ui --include='*.[ch]' | grep -v '^src/platformd/' || true)
tap_is "$hits" "" "the console does not include platformd headers"
tap_done
