# platformd.sh: start, talk to and tear down a pgdeck-platformd for a test.
# Sourced by tests/integration/*.test and tests/bench/*.sh after tap.sh.
#
#   pd_start [ARGS...]     start $builddir/pgdeck-platformd --foreground
#                          --no-fsync (PD_FSYNC=1: without it) on
#                          127.0.0.1:0 in a fresh state dir under $PD_TMP
#                          (a tmpfs when there is one) (or in $PD_DIR when
#                          it is set and exists: a restart), wait until it
#                          answers; exports PD_DIR PD_URL PD_TOKEN PD_PID
#                          (PD_ROOT: the temp dir holding PD_DIR and the logs)
#   pd_api METHOD PATH [JSON]   one request; prints the body, sets PD_STATUS
#                          (also in $PD_ROOT/last-status: `pd_last_status`
#                          reads it after a command substitution)
#   pd_call METHOD PATH [JSON]  same, no output: sets PD_STATUS and PD_BODY
#   pd_call_file METHOD PATH FILE [CURL-ARGS...]  body from FILE, extra curl
#                          arguments (headers); sets PD_STATUS and PD_BODY
#   pd_jq EXPR             python expression over stdin's JSON (bound to d);
#                          strings print raw, other values as compact JSON
#   pd_shape FIXTURE [FEXPR [OEXPR]]  stdin's JSON has the documented keys
#   pd_fault_crash / pd_fault_replay / pd_fault_fill   admin faults
#   pd_psql IP SQL         psql -Atqc as postgres on IP:5433 (PGPASSFILE)
#   pd_wait_for DESC TIMEOUT CMD...   poll CMD every 0.25 s until it succeeds;
#                          1 (with a diagnostic) when TIMEOUT seconds pass
#   pd_daemon_stop         stop the daemon only, keep PD_DIR (for restarts)
#   pd_stop                stop the daemon, kill every process left from
#                          PD_DIR, unmount loop mounts under it, rm -rf
#   pd_cleanup             pd_stop, safe to call twice (run by the EXIT,
#                          INT and TERM traps: tl_at_exit)
#
# The token never appears in any argv: curl reads the Authorization header
# from a 0600 file (-H @file).

PD_BIN=${PD_BIN:-"$builddir/pgdeck-platformd"}
PD_DIR=${PD_DIR:-}
PD_ROOT=${PD_ROOT:-}
PD_URL=
PD_TOKEN=
PD_PID=
PD_STATUS=
PD_BODY=
PD_START_TIMEOUT=${PD_START_TIMEOUT:-60}
# Where a test's daemon keeps its state, volumes and nodes: a tmpfs when the
# host has one (/dev/shm), else $TMPDIR or /tmp.  The suite creates and
# removes tens of thousands of files (every node's data directory); on this
# project's CI disk (ext4, online discard) creating one cost 0.3 to 0.9 ms
# of system time, on tmpfs a tenth of that (doc/architecture.md, "Test
# time").  PD_TMP=DIR chooses; benchmarks keep the disk.
if [ -z "${PD_TMP:-}" ]; then
    PD_TMP=${TMPDIR:-/tmp}
    if [ -d /dev/shm ] && [ -w /dev/shm ] &&
        [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        PD_TMP=/dev/shm
    fi
fi
PD_CURL_TIMEOUT=${PD_CURL_TIMEOUT:-90}
# Documented response bodies (the repository's copy, else the shared one).
if [ -z "${PD_FIXTURES:-}" ]; then
    PD_FIXTURES=$srcdir/tests/fixtures/fly-api-docs
    [ -d "$PD_FIXTURES" ] || PD_FIXTURES=/work/shared/fixtures/fly-api-docs
fi

# Deadlines are whole seconds of `date +%s`: one small process a poll, as
# many scripts poll side by side (make -jN check).
_pd_now() {
    date +%s
}

# _pd_elapsed START -> whole seconds since START (a _pd_now value)
_pd_elapsed() {
    echo $(($(date +%s) - $1))
}

pd_wait_for() {
    _pdw_desc=$1
    _pdw_timeout=$2
    shift 2
    _pdw_end=$(($(date +%s) + _pdw_timeout))
    while :; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$_pdw_end" ]; then
            echo "# timed out after ${_pdw_timeout}s waiting for: $_pdw_desc"
            return 1
        fi
        sleep 0.25
    done
}

# _pd_write_auth TOKEN FILE: an "Authorization: Bearer" header file, 0600.
_pd_write_auth() {
    (umask 077 && printf 'Authorization: Bearer %s\n' "$1" >"$2")
}

_pd_ready() {
    [ -s "$PD_DIR/url" ] && [ -s "$PD_DIR/token" ] || return 1
    PD_URL=$(head -n 1 "$PD_DIR/url")
    PD_TOKEN=$(head -n 1 "$PD_DIR/token")
    _pd_write_auth "$PD_TOKEN" "$PD_ROOT/auth.hdr"
    pd_call GET "/v1/apps?org_slug=personal" || return 1
    [ "$PD_STATUS" = 200 ]
}

pd_start() {
    if [ ! -x "$PD_BIN" ]; then
        echo "# pd_start: $PD_BIN is missing (build it first)"
        return 1
    fi
    if [ -z "$PD_DIR" ] || [ ! -d "$PD_DIR" ]; then
        PD_ROOT=$(mktemp -d "$PD_TMP/pgdeck-test.XXXXXX") || return 1
        chmod 0711 "$PD_ROOT"
        PD_DIR=$PD_ROOT/state
        mkdir -m 0711 "$PD_DIR" || return 1
    fi
    export PD_DIR PD_ROOT
    rm -f "$PD_DIR/url"
    PD_LOG=$PD_ROOT/daemon.log
    export PD_LOG
    echo "=== pd_start $* ($(date -u +%H:%M:%S))" >>"$PD_LOG"
    # A test platform: its nodes skip fsync (--no-fsync), the one thing a
    # test may relax (the host's durability); PD_FSYNC=1 keeps the default.
    _pds_sync=--no-fsync
    [ "${PD_FSYNC:-0}" = 1 ] && _pds_sync=
    # shellcheck disable=SC2086
    "$PD_BIN" --state-dir "$PD_DIR" --listen 127.0.0.1:0 --foreground \
        $_pds_sync "$@" >>"$PD_LOG" 2>&1 </dev/null &
    PD_PID=$!
    export PD_PID
    _pds_start=$(_pd_now)
    while :; do
        if _pd_ready; then
            export PD_URL PD_TOKEN
            return 0
        fi
        if ! kill -0 "$PD_PID" 2>/dev/null; then
            echo "# pd_start: the daemon exited; its log:"
            tail -n 30 "$PD_LOG" | sed 's/^/#   /'
            PD_PID=
            return 1
        fi
        if [ "$(_pd_elapsed "$_pds_start")" -ge "$PD_START_TIMEOUT" ]; then
            echo "# pd_start: no answer within ${PD_START_TIMEOUT}s"
            tail -n 30 "$PD_LOG" | sed 's/^/#   /'
            return 1
        fi
        sleep 0.1
    done
}

# _pd_request METHOD PATH BODYFILE [CURL-ARGS...]: sets PD_STATUS, PD_BODY.
_pd_request() {
    _pdr_m=$1
    _pdr_p=$2
    _pdr_f=$3
    shift 3
    _pdr_out=$(mktemp "$PD_ROOT/resp.XXXXXX")
    if [ -n "$_pdr_f" ]; then
        PD_STATUS=$(curl -sS -m "$PD_CURL_TIMEOUT" -X "$_pdr_m" \
            -H @"$PD_ROOT/auth.hdr" -H 'Content-Type: application/json' \
            --data-binary @"$_pdr_f" "$@" -o "$_pdr_out" -w '%{http_code}' \
            "$PD_URL$_pdr_p")
    else
        PD_STATUS=$(curl -sS -m "$PD_CURL_TIMEOUT" -X "$_pdr_m" \
            -H @"$PD_ROOT/auth.hdr" "$@" -o "$_pdr_out" -w '%{http_code}' \
            "$PD_URL$_pdr_p")
    fi
    _pdr_rc=$?
    PD_BODY=$(cat "$_pdr_out")
    rm -f "$_pdr_out"
    [ "$_pdr_rc" -eq 0 ] || PD_STATUS=000
    echo "$PD_STATUS" >"$PD_ROOT/last-status"
    return "$_pdr_rc"
}

pd_call() {
    if [ $# -ge 3 ]; then
        _pdc_f=$(mktemp "$PD_ROOT/req.XXXXXX")
        printf '%s' "$3" >"$_pdc_f"
        _pd_request "$1" "$2" "$_pdc_f"
        _pdc_rc=$?
        rm -f "$_pdc_f"
        return "$_pdc_rc"
    fi
    _pd_request "$1" "$2" ""
}

pd_call_file() {
    _pdcf_m=$1
    _pdcf_p=$2
    _pdcf_f=$3
    shift 3
    _pd_request "$_pdcf_m" "$_pdcf_p" "$_pdcf_f" "$@"
}

pd_api() {
    pd_call "$@"
    _pda_rc=$?
    printf '%s\n' "$PD_BODY"
    return "$_pda_rc"
}

pd_last_status() {
    cat "$PD_ROOT/last-status" 2>/dev/null
}

pd_jq() {
    python3 -c '
import json, sys
expr = sys.argv[1]
try:
    d = json.loads(sys.stdin.read())
except ValueError as e:
    sys.stderr.write("pd_jq: not JSON: %s\n" % e)
    sys.exit(2)
try:
    v = eval(expr, {"json": json, "d": d})
except Exception as e:
    sys.stderr.write("pd_jq: %s: %r\n" % (expr, e))
    sys.exit(3)
if isinstance(v, str):
    print(v)
else:
    print(json.dumps(v, separators=(",", ":"), sort_keys=True))
' "$1"
}

# pd_shape FIXTURE [FIXTURE-EXPR [OUR-EXPR]]: our JSON on stdin must have
# every key the documented response (tests/../fixtures/fly-api-docs/FIXTURE)
# has at that level, with the same JSON type where the fixture's value is not
# null.  The EXPRs (python, over d) pick the object to compare, e.g. 'd[0]'.
# Prints what differs; 0 when nothing does.
pd_shape() {
    python3 -c '
import json, sys
fix = json.load(open(sys.argv[1]))
ours = json.loads(sys.stdin.read())
f = eval(sys.argv[2], {"d": fix})
o = eval(sys.argv[3], {"d": ours})
def kind(v):
    if isinstance(v, bool): return "bool"
    if isinstance(v, (int, float)): return "number"
    if isinstance(v, str): return "string"
    if isinstance(v, list): return "array"
    if isinstance(v, dict): return "object"
    return "null"
if not isinstance(o, dict):
    print("not an object: %s" % kind(o)); sys.exit(1)
bad = []
for k, v in f.items():
    if k not in o:
        bad.append("missing %s" % k)
    elif v is not None and o[k] is not None and kind(v) != kind(o[k]):
        bad.append("%s is %s, documented %s" % (k, kind(o[k]), kind(v)))
print("; ".join(bad))
sys.exit(1 if bad else 0)
' "$PD_FIXTURES/$1" "${2:-d}" "${3:-${2:-d}}"
}

# Admin faults (daemon started with --enable-faults; doc/pgdeck-platformd.8).
# pd_fault_crash APP ID         SIGKILL every process of the machine
# pd_fault_replay APP ID true|false   pause / resume WAL replay on a replica
# pd_fault_fill APP VOL PCT     fill the volume to PCT % (0 removes the filler)
# Each sets PD_STATUS/PD_BODY and returns 0 on HTTP 200.
pd_fault_crash() {
    pd_call POST "/admin/apps/$1/machines/$2/crash"
    [ "$PD_STATUS" = 200 ]
}
pd_fault_replay() {
    pd_call POST "/admin/apps/$1/machines/$2/replay" "{\"paused\":$3}"
    [ "$PD_STATUS" = 200 ]
}
pd_fault_fill() {
    pd_call POST "/admin/apps/$1/volumes/$2/fill" "{\"percent\":$3}"
    [ "$PD_STATUS" = 200 ]
}

pd_psql() {
    PGPASSFILE=$PD_DIR/pgpass PGCONNECT_TIMEOUT=5 psql -X \
        "host=$1 port=5433 user=postgres dbname=postgres" -Atqc "$2"
}

# _pd_leftovers: pids (not this shell) whose argv names PD_ROOT (else
# PD_DIR) or whose cwd lies under it.  A handful of processes whatever the
# number of processes on the host (one stat and one grep over /proc).  The
# lists of /proc entries are made before the stat and the grep start: a
# glob in their own arguments would be expanded in their own process, and
# grep, whose argv names the directory, would find itself.
_pd_leftovers() {
    _pdl_dir=${PD_ROOT:-$PD_DIR}
    [ -n "$_pdl_dir" ] || return 0
    {
        set -- /proc/[0-9]*/cwd
        QUOTING_STYLE=literal stat -c '%N' "$@" 2>/dev/null |
            awk -v d="$_pdl_dir" '{
                t = $0; sub(/^[^>]*-> /, "", t)
                if (t == d || index(t, d "/") == 1) {
                    split($1, p, "/"); print p[3]
                }
            }'
        set -- /proc/[0-9]*/cmdline
        grep -lsF -- "$_pdl_dir" "$@" | cut -d/ -f3
    } | sort -u | grep -vx -- "$$"
    return 0
}

_pd_kill_daemon() {
    [ -n "$PD_PID" ] || return 0
    if kill -0 "$PD_PID" 2>/dev/null; then
        kill -TERM "$PD_PID" 2>/dev/null
        _pdk_start=$(_pd_now)
        while kill -0 "$PD_PID" 2>/dev/null; do
            if [ "$(_pd_elapsed "$_pdk_start")" -ge "${PD_STOP_TIMEOUT:-30}" ]; then
                echo "# pd_stop: daemon $PD_PID ignored SIGTERM for ${PD_STOP_TIMEOUT:-30}s; SIGKILL"
                kill -KILL "$PD_PID" 2>/dev/null
                break
            fi
            sleep 0.1
        done
    fi
    wait "$PD_PID" 2>/dev/null
    PD_DAEMON_RC=$?
    PD_PID=
    return 0
}

# _pd_reap: returns 1 when processes were left over from PD_DIR (they are
# killed), 0 when there were none.
_pd_reap() {
    _pdr_left=$(_pd_leftovers)
    [ -z "$_pdr_left" ] && return 0
    # Give postgres children a moment to notice their postmaster is gone.
    _pdr_start=$(_pd_now)
    while [ -n "$_pdr_left" ] && [ "$(_pd_elapsed "$_pdr_start")" -lt 5 ]; do
        sleep 0.2
        _pdr_left=$(_pd_leftovers)
    done
    [ -z "$_pdr_left" ] && return 0
    echo "# leftover processes from $PD_DIR:"
    for _pdr_pid in $_pdr_left; do
        echo "#   $_pdr_pid $(tr '\0' ' ' 2>/dev/null <"/proc/$_pdr_pid/cmdline")"
    done
    # shellcheck disable=SC2086
    kill -KILL $_pdr_left 2>/dev/null
    return 1
}

_pd_unmount() {
    [ -n "$PD_ROOT" ] || return 0
    awk -v d="$PD_ROOT" '$2 == d || index($2, d "/") == 1 { print $2 }' \
        /proc/mounts | sort -r | while read -r _pdu_m; do
        umount "$_pdu_m" 2>/dev/null || umount -l "$_pdu_m" 2>/dev/null
    done
    if command -v losetup >/dev/null 2>&1; then
        losetup -a 2>/dev/null | grep -F -- "$PD_ROOT" | cut -d: -f1 |
            while read -r _pdu_dev; do
                losetup -d "$_pdu_dev" 2>/dev/null
            done
    fi
    return 0
}

pd_daemon_stop() {
    _pd_kill_daemon
    _pd_reap
}

pd_stop() {
    _pds_rc=0
    _pd_kill_daemon
    _pd_reap || _pds_rc=1
    _pd_unmount
    if [ -n "$PD_ROOT" ] && [ -d "$PD_ROOT" ]; then
        if [ -n "${PD_KEEP:-}" ]; then
            echo "# PD_KEEP set: left $PD_ROOT"
        else
            rm -rf "$PD_ROOT"
        fi
    fi
    PD_DIR=
    PD_ROOT=
    PD_URL=
    return "$_pds_rc"
}

pd_cleanup() {
    if [ -n "$PD_PID" ] || [ -n "$PD_ROOT" ]; then
        if [ "${_tl_rc:-0}" -ne 0 ]; then
            for _pdcl_f in "${PD_LOG:-}" "$PD_DIR/platformd.log"; do
                [ -s "$_pdcl_f" ] || continue
                echo "# $_pdcl_f (tail):"
                tail -n 40 "$_pdcl_f" | sed 's/^/#   /'
            done
        fi
        pd_stop
    fi
    return 0
}

. "$srcdir/tests/lib/atexit.sh"
tl_at_exit pd_cleanup
