# pg.sh: build Postgres clusters on a running platformd the way flyctl does,
# and look at them over SQL.  Sourced after tap.sh and platformd.sh.
#
#   pgc_app_create APP                 POST /v1/apps; 0 on 201; then
#                                      pgc_secrets_set (not with
#                                      PGC_NO_SECRETS set)
#   pgc_secrets_set APP                flex's secrets, as flyctl sets them
#                                      (FLY_RESTORED_FROM too when
#                                      PGC_RESTORED_FROM names a snapshot)
#   pgc_volume_create APP REGION GB [NAME]   prints the new volume id
#   pgc_pg_config REGION VOL [PRIMARY_REGION]   a postgres-flex machine
#                                      config (JSON) mounting VOL at /data
#   pgc_machine_create APP REGION CONFIG-JSON   prints the new machine id
#   pgc_node_add APP REGION [GB] [PRIMARY_REGION]   volume + machine; prints
#                                      the machine id once it is started
#   pgc_clone APP SRC-ID [REGION]      `fly machine clone`: GET the source,
#                                      volume create with the mount's name and
#                                      size, machine create with the copied
#                                      config; prints the new machine id
#   pgc_field APP ID EXPR              pd_jq EXPR over GET machine
#   pgc_ip APP ID                      the machine's private_ip
#   pgc_wait_state APP ID STATE [S]    /wait?state=STATE (timeout S, max 60)
#   pgc_check APP ID NAME              "status|output" of health check NAME
#   pgc_sql_role IP                    primary / replica (pg_is_in_recovery)
#   pgc_is_role IP ROLE                0 when the SQL role is ROLE
#   pgc_has_rows IP TABLE N            0 when TABLE has exactly N rows
#   pgc_streaming_to PRIMARY-IP ID...  0 when pg_stat_replication on the
#                                      primary lists every ID as streaming
#   pgc_ids APP                        machine ids of APP, one a line
#   pgc_lease APP ID                   acquire a lease (ttl 120); prints nonce
#   pgc_release APP ID NONCE           release it

PGC_IMAGE=${PGC_IMAGE:-flyio/postgres-flex:15.8}
# PGC_RESTART_POLICY: config.restart.policy of new machines (default always)

pgc_app_create() {
    pd_call POST /v1/apps "{\"app_name\":\"$1\",\"org_slug\":\"personal\"}"
    [ "$PD_STATUS" = 201 ] || {
        echo "# app create $1: $PD_STATUS $PD_BODY"
        return 1
    }
    [ -n "${PGC_NO_SECRETS:-}" ] || pgc_secrets_set "$1"
}

# pgc_secrets_set APP: the secrets flyctl's launcher sets on a new cluster
# (three passwords, FLY_CONSUL_URL from GraphQL enablePostgresConsul);
# keeps the secrets version in $PD_ROOT/minvers.APP for later creates.
pgc_secrets_set() {
    pd_call POST /graphql '{"query":"mutation($appName: ID!) { enablePostgresConsul(input: {appId: $appName}) { consulUrl } }","variables":{"appName":"'"$1"'"}}'
    _pgs_url=$(printf '%s' "$PD_BODY" | pd_jq 'd["data"]["enablePostgresConsul"]["consulUrl"]') || {
        echo "# enablePostgresConsul $1: $PD_STATUS $PD_BODY" >&2
        return 1
    }
    _pgs_body=$(python3 -c '
import json, secrets, sys
v = {"SU_PASSWORD": secrets.token_hex(15),
     "OPERATOR_PASSWORD": secrets.token_hex(15),
     "REPL_PASSWORD": secrets.token_hex(15),
     "FLY_CONSUL_URL": sys.argv[1]}
if sys.argv[2]:
    v["FLY_RESTORED_FROM"] = sys.argv[2]
print(json.dumps({"values": v}))' "$_pgs_url" "${PGC_RESTORED_FROM:-}")
    pd_call POST "/v1/apps/$1/secrets" "$_pgs_body"
    [ "$PD_STATUS" = 200 ] || {
        echo "# secrets of $1: $PD_STATUS $PD_BODY" >&2
        return 1
    }
    printf '%s' "$PD_BODY" | pd_jq 'd["version"]' >"$PD_ROOT/minvers.$1"
}

# The "min_secrets_version" member of a create body for APP, or nothing.
_pgc_minvers() {
    [ -s "$PD_ROOT/minvers.$1" ] &&
        printf ',"min_secrets_version":%s' "$(cat "$PD_ROOT/minvers.$1")"
}

pgc_volume_create() {
    pd_call POST "/v1/apps/$1/volumes" \
        "{\"name\":\"${4:-pg_data}\",\"region\":\"$2\",\"size_gb\":$3,\"encrypted\":true,\"require_unique_zone\":true}"
    if [ "$PD_STATUS" != 200 ]; then
        echo "# volume create in $1: $PD_STATUS $PD_BODY" >&2
        return 1
    fi
    printf '%s' "$PD_BODY" | pd_jq 'd["id"]'
}

pgc_pg_config() {
    python3 -c '
import json, sys
region, vol, primary = sys.argv[1], sys.argv[2], sys.argv[3]
chk = lambda p: {"type": "http", "port": 5500, "path": "/flycheck/" + p,
                 "interval": "15s", "timeout": "10s"}
print(json.dumps({
    "image": sys.argv[4],
    "env": {"PRIMARY_REGION": primary},
    "init": {},
    "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
    "metadata": {"fly-managed-postgres": "true", "fly_platform_version": "v2",
                 "managed-by-fly-deploy": "true"},
    "mounts": [{"volume": vol, "path": "/data"}],
    "checks": {"pg": chk("pg"), "role": chk("role"), "vm": chk("vm")},
    "metrics": {"port": 9187, "path": "/metrics"},
    "restart": {"policy": sys.argv[5]},
}))' "$1" "$2" "${3:-$1}" "$PGC_IMAGE" "${PGC_RESTART_POLICY:-always}"
}

pgc_machine_create() {
    pd_call POST "/v1/apps/$1/machines" \
        "{\"region\":\"$2\",\"config\":$3,\"skip_secrets\":false$(_pgc_minvers "$1")}"
    if [ "$PD_STATUS" != 200 ]; then
        echo "# machine create in $1: $PD_STATUS $PD_BODY" >&2
        return 1
    fi
    printf '%s' "$PD_BODY" | pd_jq 'd["id"]'
}

pgc_wait_state() {
    pd_call GET "/v1/apps/$1/machines/$2/wait?state=$3&timeout=${4:-60}"
    [ "$PD_STATUS" = 200 ]
}

pgc_node_add() {
    _pgn_vol=$(pgc_volume_create "$1" "$2" "${3:-1}") || return 1
    _pgn_cfg=$(pgc_pg_config "$2" "$_pgn_vol" "${4:-$2}")
    _pgn_id=$(pgc_machine_create "$1" "$2" "$_pgn_cfg") || return 1
    pgc_wait_state "$1" "$_pgn_id" started 60 || {
        echo "# machine $_pgn_id never started: $PD_STATUS $PD_BODY" >&2
        return 1
    }
    echo "$_pgn_id"
}

pgc_field() {
    pd_call GET "/v1/apps/$1/machines/$2"
    [ "$PD_STATUS" = 200 ] || return 1
    printf '%s' "$PD_BODY" | pd_jq "$3"
}

pgc_ip() {
    pgc_field "$1" "$2" 'd["private_ip"]'
}

pgc_clone() {
    pd_call GET "/v1/apps/$1/machines/$2"
    [ "$PD_STATUS" = 200 ] || return 1
    _pgcl_src=$PD_BODY
    _pgcl_region=${3:-$(printf '%s' "$_pgcl_src" | pd_jq 'd["region"]')}
    _pgcl_vol=$(printf '%s' "$_pgcl_src" | pd_jq 'd["config"]["mounts"][0]["volume"]')
    _pgcl_name=$(printf '%s' "$_pgcl_src" | pd_jq 'd["config"]["mounts"][0].get("name") or "pg_data"')
    # flyctl reads size_gb from the mount; fall back to the volume's size.
    _pgcl_size=$(printf '%s' "$_pgcl_src" | pd_jq 'd["config"]["mounts"][0].get("size_gb") or 0')
    if [ "$_pgcl_size" = 0 ]; then
        pd_call GET "/v1/apps/$1/volumes/$_pgcl_vol"
        _pgcl_size=$(printf '%s' "$PD_BODY" | pd_jq 'd["size_gb"]') || return 1
    fi
    _pgcl_newvol=$(pgc_volume_create "$1" "$_pgcl_region" "$_pgcl_size" "$_pgcl_name") ||
        return 1
    _pgcl_body=$(printf '%s' "$_pgcl_src" | python3 -c '
import json, sys
src = json.load(sys.stdin)
cfg = src["config"]
m = dict(cfg["mounts"][0])
cfg["mounts"] = [{"volume": sys.argv[1], "path": m["path"]}]
body = {"region": sys.argv[2], "config": cfg, "skip_secrets": False}
if sys.argv[3]:
    body["min_secrets_version"] = int(sys.argv[3])
print(json.dumps(body))
' "$_pgcl_newvol" "$_pgcl_region" "$(cat "$PD_ROOT/minvers.$1" 2>/dev/null)")
    pd_call POST "/v1/apps/$1/machines" "$_pgcl_body"
    if [ "$PD_STATUS" != 200 ]; then
        echo "# clone of $2: $PD_STATUS $PD_BODY" >&2
        return 1
    fi
    _pgcl_id=$(printf '%s' "$PD_BODY" | pd_jq 'd["id"]') || return 1
    pgc_wait_state "$1" "$_pgcl_id" started 60 || return 1
    echo "$_pgcl_id"
}

pgc_check() {
    pgc_field "$1" "$2" \
        '[c["status"] + "|" + c["output"] for c in d.get("checks") or [] if c["name"] == "'"$3"'"][0]'
}

pgc_sql_role() {
    pd_psql "$1" "SELECT CASE WHEN pg_is_in_recovery() THEN 'replica' ELSE 'primary' END"
}

pgc_is_role() {
    [ "$(pgc_sql_role "$1" 2>/dev/null)" = "$2" ]
}

pgc_has_rows() {
    [ "$(pd_psql "$1" "SELECT count(*) FROM $2" 2>/dev/null)" = "$3" ]
}

pgc_streaming_to() {
    _pgs_ip=$1
    shift
    _pgs_list=$(pd_psql "$_pgs_ip" "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null) ||
        return 1
    for _pgs_id in "$@"; do
        printf '%s\n' "$_pgs_list" | grep -qx -- "$_pgs_id" || return 1
    done
    return 0
}

pgc_ids() {
    pd_call GET "/v1/apps/$1/machines"
    [ "$PD_STATUS" = 200 ] || return 1
    printf '%s' "$PD_BODY" | pd_jq '"\n".join(m["id"] for m in d)'
}

pgc_lease() {
    pd_call POST "/v1/apps/$1/machines/$2/lease?ttl=120"
    case $PD_STATUS in
    200 | 201) ;;
    *)
        echo "# lease on $2: $PD_STATUS $PD_BODY" >&2
        return 1
        ;;
    esac
    printf '%s' "$PD_BODY" | pd_jq 'd["data"]["nonce"]'
}

pgc_release() {
    _pd_request DELETE "/v1/apps/$1/machines/$2/lease" "" \
        -H "fly-machine-lease-nonce: $3"
    [ "$PD_STATUS" = 200 ]
}

# pgc_checks_pass APP ID: the machine has checks and all of them pass.
pgc_checks_pass() {
    [ "$(pgc_field "$1" "$2" 'len(d.get("checks") or []) > 0 and all(c["status"] == "passing" for c in d["checks"])' 2>/dev/null)" = true ]
}

# pgc_role_check_is APP ID ROLE: the `role` check passes with output ROLE.
pgc_role_check_is() {
    [ "$(pgc_check "$1" "$2" role 2>/dev/null)" = "passing|$3" ]
}

# pgc_exec APP ID ARG...: runs argv on the machine through the exec
# endpoint; sets PGC_EXEC_CODE (exit_code, or "http-STATUS") and PGC_EXEC_OUT
# (stdout + stderr); 0 when exit_code is 0.
pgc_exec() {
    _pge_app=$1
    _pge_id=$2
    shift 2
    _pge_body=$(python3 -c 'import json, sys; print(json.dumps({"command": sys.argv[1:], "timeout": 60}))' "$@")
    pd_call POST "/v1/apps/$_pge_app/machines/$_pge_id/exec" "$_pge_body"
    if [ "$PD_STATUS" != 200 ]; then
        PGC_EXEC_CODE=http-$PD_STATUS
        PGC_EXEC_OUT=$PD_BODY
        return 1
    fi
    PGC_EXEC_CODE=$(printf '%s' "$PD_BODY" | pd_jq 'd["exit_code"]')
    PGC_EXEC_OUT=$(printf '%s' "$PD_BODY" | pd_jq 'd["stdout"] + d["stderr"]')
    [ "$PGC_EXEC_CODE" = 0 ]
}

# _pgc_nonce ID [VALUE]: the lease nonce pgc_flex_failover holds on ID.
_pgc_nonce() {
    if [ $# -ge 2 ]; then
        eval "_pgc_nonce_$1=\$2"
    else
        eval "printf '%s' \"\${_pgc_nonce_$1:-}\""
    fi
}

# _pgc_leased_call METHOD ID SUFFIX [JSON]: a call on machine ID of
# $_pgfo_app with the lease nonce header.
_pgc_leased_call() {
    _pglc_f=
    if [ $# -ge 4 ]; then
        _pglc_f=$(mktemp "$PD_ROOT/req.XXXXXX")
        printf '%s' "$4" >"$_pglc_f"
    fi
    _pd_request "$1" "/v1/apps/$_pgfo_app/machines/$2$3" "$_pglc_f" \
        -H "fly-machine-lease-nonce: $(_pgc_nonce "$2")"
    [ -n "$_pglc_f" ] && rm -f "$_pglc_f"
    return 0
}

_pgc_all_checks_pass() {
    for _pgac_id in $_pgfo_ids; do
        pgc_checks_pass "$_pgfo_app" "$_pgac_id" || return 1
    done
}

_pgc_fo_fail() {
    PGC_FO_ERR="$PGC_FO_STEP: $1"
    return 1
}

# pgc_flex_failover APP: a planned failover exactly as `fly pg failover`
# does it for a flex cluster (fly-machines-api.md §8.1-§8.2), with the
# exec endpoint standing in for flyctl's SSH.  Sets PGC_FO_OLD, PGC_FO_NEW,
# PGC_FO_STEP (the step reached), PGC_FO_ERR (why it failed), PGC_FO_OUT
# (repmgr's output).  0 when "Failover complete".  Leases are released at the
# end whatever happened.
pgc_flex_failover() {
    _pgfo_app=$1
    PGC_FO_OLD=
    PGC_FO_NEW=
    PGC_FO_ERR=
    PGC_FO_OUT=
    PGC_FO_STEP="list machines"
    pd_call GET "/v1/apps/$_pgfo_app/machines"
    [ "$PD_STATUS" = 200 ] || {
        _pgc_fo_fail "HTTP $PD_STATUS"
        return 1
    }
    _pgfo_ids=$(printf '%s' "$PD_BODY" | pd_jq '" ".join(m["id"] for m in d if m.get("config") and m["state"] not in ("destroyed", "destroying") and m.get("host_status", "ok") == "ok")')
    _pgfo_leased=
    PGC_FO_STEP="acquire leases"
    for _pgfo_id in $_pgfo_ids; do
        _pgfo_n=$(pgc_lease "$_pgfo_app" "$_pgfo_id" 2>&1) || {
            _pgc_fo_fail "lease on $_pgfo_id: $_pgfo_n"
            _pgc_fo_release
            return 1
        }
        _pgc_nonce "$_pgfo_id" "$_pgfo_n"
        _pgfo_leased="$_pgfo_leased $_pgfo_id"
    done
    _pgc_fo_run
    _pgfo_rc=$?
    _pgc_fo_release || _pgfo_rc=1
    return $_pgfo_rc
}

_pgc_fo_release() {
    _pgfo_relrc=0
    for _pgfo_id in $_pgfo_leased; do
        pgc_release "$_pgfo_app" "$_pgfo_id" "$(_pgc_nonce "$_pgfo_id")" || {
            PGC_FO_ERR="${PGC_FO_ERR:+$PGC_FO_ERR; }release lease on $_pgfo_id: HTTP $PD_STATUS $PD_BODY"
            _pgfo_relrc=1
        }
    done
    _pgfo_leased=
    return $_pgfo_relrc
}

_pgc_fo_run() {
    set -- $_pgfo_ids
    PGC_FO_STEP="quorum"
    [ $# -ge 3 ] || {
        _pgc_fo_fail "Not enough machines to meet quorum requirements"
        return 1
    }
    PGC_FO_STEP="primary region"
    _pgfo_pr=
    for _pgfo_id in $_pgfo_ids; do
        _pgfo_r=$(pgc_field "$_pgfo_app" "$_pgfo_id" '(d["config"].get("env") or {}).get("PRIMARY_REGION", "")')
        [ -n "$_pgfo_r" ] || {
            _pgc_fo_fail "Machine $_pgfo_id does not have a primary region configured"
            return 1
        }
        [ -z "$_pgfo_pr" ] || [ "$_pgfo_pr" = "$_pgfo_r" ] || {
            _pgc_fo_fail "Machines don't agree on a primary region"
            return 1
        }
        _pgfo_pr=$_pgfo_r
    done
    PGC_FO_STEP="pick leader"
    for _pgfo_id in $_pgfo_ids; do
        if pgc_role_check_is "$_pgfo_app" "$_pgfo_id" primary; then
            PGC_FO_OLD=$_pgfo_id
            break
        fi
    done
    [ -n "$PGC_FO_OLD" ] || {
        _pgc_fo_fail "no active leader found"
        return 1
    }
    PGC_FO_STEP="pick new leader"
    _pgfo_why=
    for _pgfo_id in $_pgfo_ids; do
        [ "$_pgfo_id" = "$PGC_FO_OLD" ] && continue
        if [ "$(pgc_field "$_pgfo_app" "$_pgfo_id" 'd["region"]')" != "$_pgfo_pr" ]; then
            _pgfo_why="$_pgfo_why $_pgfo_id: not in $_pgfo_pr;"
            continue
        fi
        if ! pgc_checks_pass "$_pgfo_app" "$_pgfo_id"; then
            _pgfo_why="$_pgfo_why $_pgfo_id: checks not passing;"
            continue
        fi
        if ! pgc_exec "$_pgfo_app" "$_pgfo_id" gosu postgres repmgr standby switchover -f /data/repmgr.conf --dry-run; then
            _pgfo_why="$_pgfo_why $_pgfo_id: dry run exit $PGC_EXEC_CODE;"
            PGC_FO_OUT="$PGC_FO_OUT$PGC_EXEC_OUT"
            continue
        fi
        PGC_FO_NEW=$_pgfo_id
        break
    done
    [ -n "$PGC_FO_NEW" ] || {
        _pgc_fo_fail "no candidate:$_pgfo_why"
        return 1
    }
    PGC_FO_STEP="stop old leader"
    _pgc_leased_call POST "$PGC_FO_OLD" /stop "{\"id\":\"$PGC_FO_OLD\",\"signal\":\"SIGINT\",\"timeout\":\"0s\"}"
    [ "$PD_STATUS" = 200 ] || {
        _pgc_fo_fail "HTTP $PD_STATUS $PD_BODY"
        return 1
    }
    PGC_FO_STEP="start new leader"
    _pgc_leased_call POST "$PGC_FO_NEW" /start
    [ "$PD_STATUS" = 200 ] || {
        _pgc_fo_fail "HTTP $PD_STATUS $PD_BODY"
        return 1
    }
    PGC_FO_STEP="promote"
    pgc_exec "$_pgfo_app" "$PGC_FO_NEW" gosu postgres repmgr standby promote --siblings-follow -f /data/repmgr.conf
    _pgfo_rc=$?
    PGC_FO_OUT="$PGC_FO_OUT$PGC_EXEC_OUT"
    [ $_pgfo_rc -eq 0 ] || {
        _pgc_fo_fail "exit $PGC_EXEC_CODE: $PGC_EXEC_OUT"
        return 1
    }
    PGC_FO_STEP="wait old leader stopped"
    pd_call GET "/v1/apps/$_pgfo_app/machines/$PGC_FO_OLD/wait?state=stopped&timeout=30"
    [ "$PD_STATUS" = 200 ] || {
        _pgc_fo_fail "HTTP $PD_STATUS $PD_BODY"
        return 1
    }
    PGC_FO_STEP="start old leader"
    _pgc_leased_call POST "$PGC_FO_OLD" /start
    [ "$PD_STATUS" = 200 ] &&
        [ "$(printf '%s' "$PD_BODY" | pd_jq 'd.get("status", "")')" != error ] || {
        _pgc_fo_fail "HTTP $PD_STATUS $PD_BODY"
        return 1
    }
    PGC_FO_STEP="new leader role check"
    pd_wait_for "role check of $PGC_FO_NEW says primary" 60 \
        pgc_role_check_is "$_pgfo_app" "$PGC_FO_NEW" primary || {
        _pgc_fo_fail "Machine $PGC_FO_NEW never became the leader"
        return 1
    }
    PGC_FO_STEP="all checks passing"
    pd_wait_for "all checks of $_pgfo_ids" "${PGC_FO_CHECKS_TIMEOUT:-120}" \
        _pgc_all_checks_pass || {
        for _pgfo_id in $_pgfo_ids; do
            pgc_checks_pass "$_pgfo_app" "$_pgfo_id" ||
                _pgc_fo_fail "checks of $_pgfo_id not passing: $(pgc_field "$_pgfo_app" "$_pgfo_id" 'd.get("checks")')"
        done
        return 1
    }
    PGC_FO_STEP="Failover complete"
    return 0
}
