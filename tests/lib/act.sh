# act.sh: drive pgdeck's mutating commands against a running platformd and
# look at what they did.  Sourced after tap.sh, platformd.sh and pg.sh, once
# pd_start has succeeded.
#
#   act_env                     pgdeck's environment: the platform dir, XDG
#                               dirs in $PD_ROOT, no Fly tokens
#   act NAME ARGS...            runs pgdeck ARGS (stdin /dev/null); sets
#                               ACT_RC, ACT_OUT (stdout + stderr); the output
#                               is kept in $PD_ROOT/act-NAME.out
#   act_cluster APP N [REGION]  a postgres-flex cluster of N nodes in REGION
#                               (default iad): a primary and N-1 clones, every
#                               check passing, all streaming; sets
#                               ACT_PRIMARY, ACT_REPLICAS
#   act_primary APP             the machine whose SQL role is primary (one
#                               line per primary: two lines is a split brain)
#   act_rows_everywhere APP TABLE N   every node of APP has N rows in TABLE
#   act_all_streaming APP       every non-primary node of APP streams from
#                               its single primary
#   act_audit_lines             the audit log's lines
#   act_state APP               the machines (id, state, instance, memory)
#                               and volumes (id, size) of APP, one per line,
#                               for before/after comparisons

PGDECK=${PGDECK:-$builddir/pgdeck}

act_env() {
    PGDECK_PLATFORM_DIR=$PD_DIR
    XDG_STATE_HOME=$PD_ROOT/xdg
    XDG_CONFIG_HOME=$PD_ROOT/xdg-config
    export PGDECK_PLATFORM_DIR XDG_STATE_HOME XDG_CONFIG_HOME
    unset FLY_API_TOKEN FLY_ACCESS_TOKEN PGDECK_CONFIG
    ACT_AUDIT=$XDG_STATE_HOME/pgdeck/audit.log
    ACT_PLANS=$XDG_STATE_HOME/pgdeck/plans
    export ACT_AUDIT ACT_PLANS
}

act() {
    _act_name=$1
    shift
    "$PGDECK" "$@" >"$PD_ROOT/act-$_act_name.out" 2>&1 </dev/null
    ACT_RC=$?
    ACT_OUT=$(cat "$PD_ROOT/act-$_act_name.out")
    if [ "${ACT_VERBOSE:-0}" = 1 ] || [ -n "${ACT_SHOW:-}" ]; then
        sed "s/^/# $_act_name: /" "$PD_ROOT/act-$_act_name.out"
    fi
    return 0
}

act_cluster() {
    _acl_app=$1
    _acl_n=$2
    _acl_region=${3:-iad}
    pgc_app_create "$_acl_app" || return 1
    ACT_PRIMARY=$(pgc_node_add "$_acl_app" "$_acl_region" 1) || return 1
    ACT_REPLICAS=
    _acl_i=1
    while [ "$_acl_i" -lt "$_acl_n" ]; do
        _acl_id=$(pgc_clone "$_acl_app" "$ACT_PRIMARY" "$_acl_region") ||
            return 1
        ACT_REPLICAS="$ACT_REPLICAS $_acl_id"
        _acl_i=$((_acl_i + 1))
    done
    ACT_REPLICAS=${ACT_REPLICAS# }
    for _acl_id in $ACT_PRIMARY $ACT_REPLICAS; do
        pd_wait_for "checks of $_acl_id passing" 120 \
            pgc_checks_pass "$_acl_app" "$_acl_id" || return 1
    done
    [ -z "$ACT_REPLICAS" ] && return 0
    _acl_ip=$(pgc_ip "$_acl_app" "$ACT_PRIMARY")
    # shellcheck disable=SC2086
    pd_wait_for "replicas of $_acl_app streaming" 120 \
        pgc_streaming_to "$_acl_ip" $ACT_REPLICAS
}

act_primary() {
    for _ap_id in $(pgc_ids "$1"); do
        _ap_ip=$(pgc_ip "$1" "$_ap_id") || continue
        if pgc_is_role "$_ap_ip" primary; then
            echo "$_ap_id"
        fi
    done
}

act_rows_everywhere() {
    for _ar_id in $(pgc_ids "$1"); do
        _ar_ip=$(pgc_ip "$1" "$_ar_id") || return 1
        pgc_has_rows "$_ar_ip" "$2" "$3" || return 1
    done
}

act_all_streaming() {
    _as_p=$(act_primary "$1")
    [ -n "$_as_p" ] && [ "$(printf '%s\n' "$_as_p" | wc -l)" -eq 1 ] ||
        return 1
    _as_others=$(pgc_ids "$1" | grep -vx "$_as_p")
    [ -n "$_as_others" ] || return 0
    # shellcheck disable=SC2086
    pgc_streaming_to "$(pgc_ip "$1" "$_as_p")" $_as_others
}

act_audit_lines() {
    cat "$ACT_AUDIT" 2>/dev/null
}

act_state() {
    pd_call GET "/v1/apps/$1/machines"
    printf '%s' "$PD_BODY" | pd_jq '"\n".join(sorted("%s %s %s %s" % (m["id"], m["state"], m["instance_id"], m["config"]["guest"]["memory_mb"]) for m in d))'
    pd_call GET "/v1/apps/$1/volumes"
    printf '%s' "$PD_BODY" | pd_jq '"\n".join(sorted("%s %s %s" % (v["id"], v["size_gb"], v["state"]) for v in d))'
}

# act_jq_lines EXPR: EXPR (python) over L, the JSON lines of stdin, printed
# as pd_jq does (strings bare, the rest as JSON).
act_jq_lines() {
    python3 -c '
import json, sys
L = [json.loads(x) for x in sys.stdin.read().splitlines() if x.strip()]
v = eval(sys.argv[1], {"json": json, "L": L})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), sort_keys=True))
' "$1"
}
