#!/bin/sh
# check-layering: the core (src/, but for src/main.c, the program's entry
# that joins core and UI) never includes curses or ui/; only
# ui/curses_compat.h includes curses; platformd does not reach into the console's modules.
srcdir=${srcdir:-.}
. "$srcdir/tests/lib/tap.sh"
cd "$srcdir" || exit 99

hits=$(grep -rnE '#include *[<"](n?curses|ncursesw/|term\.h|ui/)' src |
    grep -v '^src/main\.c:[0-9]*:#include "ui/' || true)
tap_is "$hits" "" "the core in src/ includes neither curses nor ui/"

hits=$(grep -nE '#include *[<"](n?curses|ncursesw/)' src/main.c || true)
tap_is "$hits" "" "src/main.c includes ui/ headers, never curses"

hits=$(grep -rnlE '#include *<(ncursesw/)?n?curses\.h>' ui | grep -v '^ui/curses_compat\.h$' || true)
tap_is "$hits" "" "only ui/curses_compat.h includes curses"

hits=$(grep -rnE '#include *"src/platformd/' src ui --include='*.[ch]' | grep -v '^src/platformd/' || true)
tap_is "$hits" "" "the console does not include platformd headers"
tap_done
