#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/derive.h"
#include "src/fleet.h"
#include "src/log.h"
#include "src/status.h"
#include "src/xmalloc.h"

/*
 * status_fmt: the pure formatters of `pgdeck status` (status.h): JSON and
 * the patronictl/repmgr-style table, from a model and a clock value.
 */

static void status_num(cJSON *o, const char *key, int64_t v);
static void status_secs(cJSON *o, const char *key, int64_t ms);
static void status_stale(cJSON *o, const struct fleet_stale *s, int64_t now_ms);
static cJSON *status_node_json(const struct fleet_node *n, int64_t now_ms);
static cJSON *status_cluster_json(const struct fleet_cluster *c,
                                  int64_t now_ms);
static void status_table_cluster(const struct fleet_cluster *c, int64_t now_ms,
                                 struct buf *out);

/* KEY: V, or null when V < 0 (unknown). */
static void status_num(cJSON *o, const char *key, int64_t v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)v);
}

/* KEY: MS in seconds (3 decimals), or null when MS < 0. */
static void status_secs(cJSON *o, const char *key, int64_t ms)
{
    if (ms < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)ms / 1000.0);
}

static void status_stale(cJSON *o, const struct fleet_stale *s, int64_t now_ms)
{
    cJSON_AddBoolToObject(o, "stale", s->stale);
    if (s->stale && s->reason)
        cJSON_AddStringToObject(o, "stale_reason", s->reason);
    else
        cJSON_AddNullToObject(o, "stale_reason");
    status_secs(o, "age_seconds",
                s->updated_ms > 0 && now_ms >= s->updated_ms
                    ? now_ms - s->updated_ms
                    : -1);
}

static cJSON *status_node_json(const struct fleet_node *n, int64_t now_ms)
{
    cJSON *o = cJSON_CreateObject(), *lag, *vol;
    const struct fleet_stale *st = n->api.stale ? &n->api : &n->probe;
    char marker[2] = {fleet_node_marker(n), '\0'};
    char checks[32];

    cJSON_AddStringToObject(o, "id", n->id);
    cJSON_AddStringToObject(o, "name", n->name ? n->name : "");
    cJSON_AddStringToObject(o, "region", n->region);
    cJSON_AddStringToObject(o, "role", fleet_role_name(n->role));
    cJSON_AddStringToObject(o, "check_role",
                            n->check_role ? n->check_role : "");
    cJSON_AddStringToObject(o, "state", n->state ? n->state : "");
    cJSON_AddStringToObject(o, "host_status",
                            n->host_status && *n->host_status ? n->host_status
                                                              : "ok");
    cJSON_AddBoolToObject(o, "reachable", n->reachable);
    cJSON_AddStringToObject(o, "marker", marker);
    cJSON_AddStringToObject(o, "lag_state", fleet_lag_state_name(n->lag_state));
    lag = cJSON_AddObjectToObject(o, "lag_bytes");
    status_num(lag, "sent", n->lag_sent_bytes);
    status_num(lag, "write", n->lag_write_bytes);
    status_num(lag, "flush", n->lag_flush_bytes);
    status_num(lag, "replay", n->lag_replay_bytes);
    status_secs(o, "lag_seconds", n->lag_ms);
    status_num(o, "timeline", n->timeline);
    cJSON_AddBoolToObject(o, "replay_paused", n->replay_paused);
    vol = cJSON_AddObjectToObject(o, "volume");
    cJSON_AddStringToObject(vol, "id", n->volume.id ? n->volume.id : "");
    cJSON_AddNumberToObject(vol, "size_gb", n->volume.size_gb);
    status_num(vol, "used_bytes", n->volume.used_bytes);
    if (n->volume.used_pct < 0)
        cJSON_AddNullToObject(vol, "used_pct");
    else
        cJSON_AddNumberToObject(
            vol, "used_pct",
            (double)(int64_t)(n->volume.used_pct * 100 + 0.5) / 100.0);
    status_secs(vol, "eta_full_seconds", n->volume.eta_full_ms);
    cJSON_AddNumberToObject(o, "memory_mb", n->memory_mb);
    cJSON_AddStringToObject(o, "image_version",
                            n->image_version ? n->image_version : "");
    (void)snprintf(checks, sizeof checks, "%d/%zu", n->checks_passing,
                   n->n_checks);
    cJSON_AddStringToObject(o, "checks", checks);
    /* The node is stale when either of its sources is. */
    status_stale(o, st, now_ms);
    cJSON_ReplaceItemInObject(o, "stale",
                              cJSON_CreateBool(n->api.stale || n->probe.stale));
    return o;
}

static cJSON *status_cluster_json(const struct fleet_cluster *c, int64_t now_ms)
{
    cJSON *o = cJSON_CreateObject(), *q, *issues, *nodes, *others;
    size_t i;

    cJSON_AddStringToObject(o, "cluster", c->name);
    cJSON_AddStringToObject(o, "region",
                            c->primary_region ? c->primary_region : "");
    cJSON_AddStringToObject(o, "flavor", c->flavor ? c->flavor : "");
    cJSON_AddStringToObject(o, "image_version",
                            c->image_version ? c->image_version : "");
    cJSON_AddStringToObject(o, "verdict", fleet_verdict_name(c->verdict));
    q = cJSON_AddObjectToObject(o, "quorum");
    cJSON_AddBoolToObject(q, "ok", c->quorum_ok);
    cJSON_AddNumberToObject(q, "members", c->region_members);
    cJSON_AddNumberToObject(q, "up", c->region_up);
    cJSON_AddNumberToObject(q, "needed", c->quorum_needed);
    cJSON_AddBoolToObject(q, "ha", c->ha);
    cJSON_AddNumberToObject(o, "members_ok", c->members_ok);
    cJSON_AddNumberToObject(o, "members_total", c->members_total);
    cJSON_AddStringToObject(o, "role_map", c->role_map ? c->role_map : "");
    status_num(o, "worst_lag_bytes", c->worst_lag_bytes);
    status_secs(o, "worst_lag_seconds", c->worst_lag_ms);
    if (c->worst_used_pct < 0)
        cJSON_AddNullToObject(o, "worst_used_pct");
    else
        cJSON_AddNumberToObject(
            o, "worst_used_pct",
            (double)(int64_t)(c->worst_used_pct * 100 + 0.5) / 100.0);
    status_secs(o, "worst_eta_full_seconds", c->worst_eta_full_ms);
    status_stale(o, &c->api, now_ms);
    issues = cJSON_AddArrayToObject(o, "issues");
    for (i = 0; i < c->n_issues; i++) {
        const struct fleet_issue *is = &c->issues[i];
        cJSON *x = cJSON_CreateObject();

        cJSON_AddStringToObject(x, "kind", fleet_issue_name(is->kind));
        cJSON_AddStringToObject(x, "severity",
                                fleet_severity_name(is->severity));
        cJSON_AddStringToObject(x, "node", is->node_id);
        cJSON_AddStringToObject(x, "text", is->text);
        cJSON_AddStringToObject(x, "action", fleet_action_name(is->action));
        cJSON_AddStringToObject(x, "fix", is->action_text);
        cJSON_AddItemToArray(issues, x);
    }
    nodes = cJSON_AddArrayToObject(o, "nodes");
    for (i = 0; i < c->n_nodes; i++)
        cJSON_AddItemToArray(nodes, status_node_json(&c->nodes[i], now_ms));
    /* Machines of the image that are no member (barman, console). */
    others = cJSON_AddArrayToObject(o, "other_machines");
    for (i = 0; i < c->n_others; i++) {
        cJSON *x = cJSON_CreateObject();

        cJSON_AddStringToObject(x, "id", c->others[i].id);
        cJSON_AddStringToObject(x, "kind", c->others[i].kind);
        cJSON_AddStringToObject(x, "state", c->others[i].state);
        cJSON_AddStringToObject(x, "region", c->others[i].region);
        cJSON_AddItemToArray(others, x);
    }
    return o;
}

static const char *status_model_status(enum fleet_status s)
{
    switch (s) {
    case FLEET_STATUS_OK:
        return "ok";
    case FLEET_STATUS_UNREACHABLE:
        return "unreachable";
    case FLEET_STATUS_ERROR:
        return "error";
    default:
        return "starting";
    }
}

void status_json(const struct fleet_model *m, const char *only, int64_t now_ms,
                 struct buf *out)
{
    cJSON *o = cJSON_CreateObject(), *cl, *sk;
    char *text;
    size_t i;

    cJSON_AddStringToObject(o, "context", m->context);
    cJSON_AddStringToObject(o, "org", m->org);
    cJSON_AddStringToObject(o, "status", status_model_status(m->status));
    status_stale(o, &m->api, now_ms);
    cJSON_AddBoolToObject(o, "from_cache", m->from_cache);
    sk = cJSON_AddArrayToObject(o, "skipped_apps");
    for (i = 0; i < m->n_skipped; i++)
        cJSON_AddItemToArray(sk, cJSON_CreateString(m->skipped_apps[i]));
    sk = cJSON_AddArrayToObject(o, "unknown_apps");
    for (i = 0; i < m->n_unknown; i++) {
        cJSON *u = cJSON_CreateObject();

        cJSON_AddStringToObject(u, "name", m->unknown_apps[i].name);
        cJSON_AddStringToObject(u, "reason", m->unknown_apps[i].reason);
        cJSON_AddItemToArray(sk, u);
    }
    cl = cJSON_AddArrayToObject(o, "clusters");
    for (i = 0; i < m->n_clusters; i++) {
        if (only && strcmp(only, m->clusters[i].name) != 0)
            continue;
        cJSON_AddItemToArray(cl, status_cluster_json(&m->clusters[i], now_ms));
    }
    text = cJSON_Print(o);
    if (!text)
        fatalx("status: out of memory");
    buf_puts(out, text);
    buf_putc(out, '\n');
    free(text);
    cJSON_Delete(o);
}

/* "1.5 MB/2.0 MB/..." per stage, "idle", or the state name. */
static void status_lag_text(const struct fleet_node *n, char *out, size_t len)
{
    char r[16];

    switch (n->lag_state) {
    case FLEET_LAG_NONE:
        (void)snprintf(out, len, "-");
        return;
    case FLEET_LAG_IDLE:
        (void)snprintf(out, len, "idle");
        return;
    case FLEET_LAG_MISSING:
    case FLEET_LAG_UNKNOWN:
        (void)snprintf(out, len, "%s", fleet_lag_state_name(n->lag_state));
        return;
    default:
        break;
    }
    derive_format_bytes(n->lag_replay_bytes, r, sizeof r);
    if (n->lag_state == FLEET_LAG_CATCHUP)
        (void)snprintf(out, len, "%s (catchup)", r);
    else
        (void)snprintf(out, len, "%s", r);
}

static void status_table_cluster(const struct fleet_cluster *c, int64_t now_ms,
                                 struct buf *out)
{
    char lag[40], t[24], sent[16], wr[16], fl[16], vol[40], eta[24], age[24];
    size_t i;

    buf_printf(
        out, "Cluster: %s (%s%s%s, %s) - %s - quorum %d/%d in %s%s", c->name,
        c->flavor && *c->flavor ? c->flavor : "postgres",
        c->image_version && *c->image_version ? " " : "",
        c->image_version ? c->image_version : "",
        c->primary_region && *c->primary_region ? c->primary_region : "?",
        fleet_verdict_name(c->verdict), c->region_up, c->region_members,
        c->primary_region && *c->primary_region ? c->primary_region : "?",
        c->quorum_ok ? "" : " (NO QUORUM)");
    if (c->api.stale) {
        derive_format_duration(c->api.updated_ms ? now_ms - c->api.updated_ms
                                                 : -1,
                               age, sizeof age);
        buf_printf(out, " ~ stale (age %s): %s", age,
                   c->api.reason ? c->api.reason : "");
    }
    buf_puts(out, "\n");
    buf_printf(out,
               "  %-1s %-16s %-6s %-8s %-8s %-9s %-6s %3s %-14s %-30s "
               "%-8s %-22s %6s\n",
               "", "Member", "Region", "Role", "Check", "State", "Checks", "TL",
               "Lag", "Sent/Write/Flush", "Lag time", "Volume", "Memory");
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];
        char checks[32], tl[24], stages[64];

        status_lag_text(n, lag, sizeof lag);
        derive_format_duration(n->lag_ms, t, sizeof t);
        derive_format_bytes(n->lag_sent_bytes, sent, sizeof sent);
        derive_format_bytes(n->lag_write_bytes, wr, sizeof wr);
        derive_format_bytes(n->lag_flush_bytes, fl, sizeof fl);
        if (n->lag_state == FLEET_LAG_STREAMING ||
            n->lag_state == FLEET_LAG_IDLE || n->lag_state == FLEET_LAG_CATCHUP)
            (void)snprintf(stages, sizeof stages, "%s/%s/%s", sent, wr, fl);
        else
            (void)snprintf(stages, sizeof stages, "-");
        if (n->volume.used_pct >= 0) {
            derive_format_duration(n->volume.eta_full_ms, eta, sizeof eta);
            (void)snprintf(vol, sizeof vol, "%dGB %.1f%% full:%s",
                           n->volume.size_gb, n->volume.used_pct,
                           n->volume.eta_full_ms >= 0 ? eta : "-");
        } else {
            (void)snprintf(vol, sizeof vol, "%dGB", n->volume.size_gb);
        }
        (void)snprintf(checks, sizeof checks, "%d/%zu", n->checks_passing,
                       n->n_checks);
        if (n->timeline >= 0)
            (void)snprintf(tl, sizeof tl, "%lld", (long long)n->timeline);
        else
            (void)snprintf(tl, sizeof tl, "-");
        buf_printf(out,
                   "  %c %-16s %-6s %-8s %-8s %-9s %-6s %3s %-14s %-30s "
                   "%-8s %-22s %6d\n",
                   fleet_node_marker(n), n->id, n->region,
                   fleet_role_name(n->role), n->check_role ? n->check_role : "",
                   n->state, checks, tl, lag, stages,
                   n->lag_state == FLEET_LAG_IDLE ? "idle" : t, vol,
                   n->memory_mb);
        if (n->probe.stale || n->api.stale) {
            const struct fleet_stale *s = n->api.stale ? &n->api : &n->probe;

            derive_format_duration(s->updated_ms ? now_ms - s->updated_ms : -1,
                                   age, sizeof age);
            buf_printf(out, "    %s stale (age %s): %s\n", n->id, age,
                       s->reason ? s->reason : "");
        }
    }
    for (i = 0; i < c->n_others; i++)
        buf_printf(out, "  not a member: %s %s (%s, %s)\n", c->others[i].kind,
                   c->others[i].id, c->others[i].state, c->others[i].region);
    if (c->n_issues > 0) {
        buf_puts(out, "  WARNING: following issues were detected\n");
        for (i = 0; i < c->n_issues; i++) {
            const struct fleet_issue *is = &c->issues[i];

            buf_printf(out, "  - [%s] %s\n", fleet_severity_name(is->severity),
                       is->text);
            if (*is->action_text)
                buf_printf(out, "    fix: %s\n", is->action_text);
        }
    }
}

void status_table(const struct fleet_model *m, const char *only, int64_t now_ms,
                  struct buf *out)
{
    char age[24];
    size_t i, shown = 0;

    if (m->api.stale) {
        derive_format_duration(m->api.updated_ms ? now_ms - m->api.updated_ms
                                                 : -1,
                               age, sizeof age);
        buf_printf(out, "~ platform %s (context %s), data age %s: %s\n",
                   m->status == FLEET_STATUS_UNREACHABLE ? "unreachable"
                                                         : "error",
                   m->context, age, m->api.reason ? m->api.reason : "");
    }
    if (m->from_cache)
        buf_puts(out, "~ showing the last snapshot (from cache)\n");
    for (i = 0; i < m->n_clusters; i++) {
        if (only && strcmp(only, m->clusters[i].name) != 0)
            continue;
        if (shown++)
            buf_puts(out, "\n");
        status_table_cluster(&m->clusters[i], now_ms, out);
    }
    if (shown == 0)
        buf_printf(out, "%s\n", only ? "no such cluster" : "no clusters");
}

int status_exit_code(const struct fleet_model *m, const char *only)
{
    size_t i, shown = 0;
    int rc = CLI_EXIT_OK;

    if (m->status == FLEET_STATUS_UNREACHABLE ||
        m->status == FLEET_STATUS_STARTING)
        return CLI_EXIT_UNREACHABLE;
    if (m->status == FLEET_STATUS_ERROR)
        rc = CLI_EXIT_FAILED;
    for (i = 0; i < m->n_clusters; i++) {
        if (only && strcmp(only, m->clusters[i].name) != 0)
            continue;
        shown++;
        if (m->clusters[i].verdict != FLEET_VERDICT_HEALTHY &&
            m->clusters[i].verdict != FLEET_VERDICT_IDLE)
            rc = CLI_EXIT_FAILED;
    }
    if (only && shown == 0)
        rc = fleet_model_unknown(m, only) ? CLI_EXIT_UNREACHABLE
                                          : CLI_EXIT_FAILED;
    return rc;
}
