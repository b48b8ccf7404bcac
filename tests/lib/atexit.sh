# atexit.sh: exit hooks shared by tests/lib/*.sh.  Each library adds its
# cleanup with tl_at_exit; one trap runs them all on EXIT, INT and TERM, so a
# test that sources several libraries tears everything down, also when it
# fails or is interrupted.  Sourcing it twice keeps the hooks already added.
_tl_hooks=${_tl_hooks:-}
tl_at_exit() {
    case " $_tl_hooks " in
    *" $1 "*) ;;
    *) _tl_hooks="$_tl_hooks $1" ;;
    esac
}
_tl_run_exit() {
    _tl_rc=$?
    trap - EXIT INT TERM
    for _tl_h in $_tl_hooks; do
        "$_tl_h"
    done
    exit "$_tl_rc"
}
trap _tl_run_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
