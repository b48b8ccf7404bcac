# tmux.sh: drive a program in a detached tmux pane, on a private server.
# Sourced by TUI tests after tap.sh.
#
#   tmx_start COLS ROWS CMD     new session (one window, one pane) running
#                               CMD (a shell command string) at COLS x ROWS;
#                               the pane stays after CMD exits (remain-on-exit)
#   tmx_send KEYS...            tmux send-keys (key names: Enter, C-c, Up...)
#   tmx_send_text TEXT          sends TEXT literally (send-keys -l)
#   tmx_send_sql TEXT           TEXT literally, a last ";" escaped for tmux
#   tmx_capture                 the pane's text, one line per row
#   tmx_wait_for TEXT TIMEOUT   polls the pane until it contains TEXT (a fixed
#                               string); 1 and the screen as a diagnostic when
#                               TIMEOUT seconds pass
#   tmx_dead                    0 when CMD has exited (pane_dead)
#   tmx_stop                    kills the server; run at exit by a trap too
#
# The server is private (tmux -L pgdeck-test-$$, no config file), so tests
# never touch a user's tmux and parallel tests never see each other.

TMX_SOCKET=pgdeck-test-$$
TMX_SESSION=t
TMX_STARTED=

tmx() {
    tmux -L "$TMX_SOCKET" -f /dev/null "$@"
}

tmx_start() {
    _tmx_cols=$1
    _tmx_rows=$2
    shift 2
    tmx new-session -d -s "$TMX_SESSION" -x "$_tmx_cols" -y "$_tmx_rows" \
        "$*" || return 1
    TMX_STARTED=1
    tmx set-option -t "$TMX_SESSION" remain-on-exit on >/dev/null 2>&1
    # Keep the window at the requested size even with no client attached.
    tmx set-option -t "$TMX_SESSION" window-size manual >/dev/null 2>&1
    tmx resize-window -t "$TMX_SESSION" -x "$_tmx_cols" -y "$_tmx_rows" \
        >/dev/null 2>&1
    return 0
}

tmx_send() {
    tmx send-keys -t "$TMX_SESSION" "$@"
}

tmx_send_text() {
    tmx send-keys -t "$TMX_SESSION" -l -- "$1"
}

# tmx_send_sql TEXT: types TEXT literally; tmux takes an argument ending
# with ';' for a command separator, so a last ';' is sent escaped.
tmx_send_sql() {
    case $1 in
    *\;)
        tmx_send_text "${1%;}"
        tmx_send '\;'
        ;;
    *) tmx_send_text "$1" ;;
    esac
}

tmx_capture() {
    tmx capture-pane -p -t "$TMX_SESSION"
}

tmx_dead() {
    [ "$(tmx display-message -p -t "$TMX_SESSION" '#{pane_dead}')" = 1 ]
}

tmx_wait_for() {
    _tmxw_text=$1
    _tmxw_timeout=$2
    _tmxw_end=$(($(date +%s) + _tmxw_timeout))
    while :; do
        if tmx_capture 2>/dev/null | grep -qF -- "$_tmxw_text"; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$_tmxw_end" ]; then
            echo "# timed out after ${_tmxw_timeout}s waiting for \"$_tmxw_text\"; screen:"
            tmx_capture 2>/dev/null | sed 's/^/#   |/'
            return 1
        fi
        sleep 0.1
    done
}

tmx_stop() {
    if [ -n "$TMX_STARTED" ]; then
        tmx kill-server >/dev/null 2>&1
        # the server leaves its socket file behind
        rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMX_SOCKET"
        TMX_STARTED=
    fi
    return 0
}

. "$srcdir/tests/lib/atexit.sh"
tl_at_exit tmx_stop
