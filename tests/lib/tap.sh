# tap.sh: TAP output for shell tests, sourced by every tests/*/*.test script.
#
#   tap_ok COND-EXIT-STATUS "description"   (use: cmd; tap_check $? "desc")
#   tap_is GOT WANT "description"
#   tap_like GOT REGEX "description"
#   tap_done                              (prints the plan; exit status 1 on any failure)
#
# Counts cases so the automake TAP driver and the CI's closing line see each
# assertion, not just the script.
tap_n=0
tap_failed=0

# python3 (JSON in the helpers) is Debian's, the one quickstart installs, not
# a version manager's shim that may come first in PATH: a pyenv shim costs
# ~0.1 s of CPU a call and the suite makes over a thousand (measured with
# process accounting: a quarter of the suite's CPU went to the shim).
if [ -x /usr/bin/python3 ]; then
    python3() { /usr/bin/python3 "$@"; }
fi

tap_check() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
}

tap_is() {
    if [ "$1" = "$2" ]; then
        tap_check 0 "$3"
    else
        tap_check 1 "$3"
        printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -n 40
    fi
}

tap_like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        tap_check 0 "$3"
    else
        tap_check 1 "$3"
        printf '# got:  %s\n# want match: %s\n' "$1" "$2" | head -n 40
    fi
}

tap_unlike() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        tap_check 1 "$3"
        printf '# got:  %s\n# must not match: %s\n' "$1" "$2" | head -n 40
    else
        tap_check 0 "$3"
    fi
}

tap_diag() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

tap_bail() {
    echo "Bail out! $*"
    exit 1
}

tap_done() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}
