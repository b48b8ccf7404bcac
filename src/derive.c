#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/derive.h"
#include "src/derive_impl.h"
#include "src/probe.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * derive: rings, per-node lag and volume figures, per-cluster verdict,
 * quorum and issues (see derive.h).  derive_issues.c holds the issue rules.
 */

#define DERIVE_MB (1024LL * 1024LL)

void derive_limits_default(struct derive_limits *lim)
{
    lim->lag_bytes_warn = 16 * DERIVE_MB;
    lim->lag_bytes_crit = 256 * DERIVE_MB;
    lim->lag_ms_warn = 30 * 1000;
    lim->lag_ms_crit = 5 * 60 * 1000;
    lim->disk_warn = 80;
    lim->disk_crit = 90;
    lim->eta_warn_ms = 24LL * 3600 * 1000;
    lim->eta_crit_ms = 3600LL * 1000;
    lim->fill_window_ms = 30LL * 60 * 1000;
    lim->fill_min_span_ms = 5LL * 60 * 1000;
}

void derive_limits_from_settings(const struct settings *s,
                                 struct derive_limits *lim)
{
    derive_limits_default(lim);
    if (!s)
        return;
    lim->lag_bytes_warn = settings_num(s, SETTINGS_LAG_BYTES_WARN);
    lim->lag_bytes_crit = settings_num(s, SETTINGS_LAG_BYTES_CRIT);
    lim->lag_ms_warn = settings_num(s, SETTINGS_LAG_TIME_WARN);
    lim->lag_ms_crit = settings_num(s, SETTINGS_LAG_TIME_CRIT);
    lim->disk_warn = (int)settings_num(s, SETTINGS_DISK_WARN);
    lim->disk_crit = (int)settings_num(s, SETTINGS_DISK_CRIT);
}

int derive_ring_due(const struct fleet_ring *r, int64_t now_ms,
                    int64_t every_ms)
{
    int64_t t, v;

    if (r->n == 0)
        return 1;
    derive_ring_at(r, r->n - 1, &t, &v);
    return now_ms - t >= every_ms;
}

void derive_ring_push(struct fleet_ring *r, int64_t t_ms, int64_t v)
{
    r->v[r->head] = v;
    r->t_ms[r->head] = t_ms;
    r->head = (r->head + 1) % FLEET_RING_LEN;
    if (r->n < FLEET_RING_LEN)
        r->n++;
}

int derive_ring_at(const struct fleet_ring *r, size_t i, int64_t *t_ms,
                   int64_t *v)
{
    size_t idx;

    if (i >= r->n)
        return -1;
    idx = (r->head + FLEET_RING_LEN - r->n + i) % FLEET_RING_LEN;
    if (t_ms)
        *t_ms = r->t_ms[idx];
    if (v)
        *v = r->v[idx];
    return 0;
}

int64_t derive_ring_last(const struct fleet_ring *r, int64_t dflt)
{
    int64_t v;

    if (r->n == 0 || derive_ring_at(r, r->n - 1, NULL, &v) != 0)
        return dflt;
    return v;
}

void derive_node_lag(struct fleet_node *n, const struct probe_standby *row,
                     int primary_known, int is_primary, int64_t now_ms)
{
    free(n->repl_state);
    n->repl_state = x_strdup(row ? row->state : "");
    n->lag_sent_bytes = n->lag_write_bytes = -1;
    n->lag_flush_bytes = n->lag_replay_bytes = -1;
    n->lag_write_ms = n->lag_flush_ms = n->lag_replay_ms = -1;
    n->lag_ms = -1;
    if (is_primary || (!row && n->role == FLEET_ROLE_PRIMARY)) {
        n->lag_state = FLEET_LAG_NONE;
        return;
    }
    if (!primary_known) {
        n->lag_state = FLEET_LAG_UNKNOWN;
        return;
    }
    if (!row) {
        n->lag_state = FLEET_LAG_MISSING;
        return;
    }
    n->lag_sent_bytes = row->sent_bytes;
    n->lag_write_bytes = row->write_bytes;
    n->lag_flush_bytes = row->flush_bytes;
    n->lag_replay_bytes = row->replay_bytes;
    n->lag_write_ms = row->write_lag_ms;
    n->lag_flush_ms = row->flush_lag_ms;
    n->lag_replay_ms = row->replay_lag_ms;
    if (strcmp(row->state, "streaming") != 0) {
        n->lag_state = FLEET_LAG_CATCHUP;
    } else if (row->replay_bytes == 0 && row->replay_lag_ms < 0) {
        n->lag_state = FLEET_LAG_IDLE;
    } else {
        n->lag_state = FLEET_LAG_STREAMING;
    }
    if (row->replay_lag_ms >= 0)
        n->lag_ms = row->replay_lag_ms;
    else if (n->lag_state == FLEET_LAG_IDLE)
        n->lag_ms = 0;
    else if (row->replay_bytes > 0 && n->replay_delay_ms >= 0)
        n->lag_ms = n->replay_delay_ms;
    if (n->lag_replay_bytes >= 0)
        derive_ring_push(&n->lag_hist, now_ms, n->lag_replay_bytes);
}

int derive_role_disagree(enum fleet_role role, const char *check_role)
{
    int says_primary, says_replica;

    if (role == FLEET_ROLE_UNKNOWN || !check_role)
        return 0;
    says_primary =
        strcmp(check_role, "primary") == 0 || strcmp(check_role, "leader") == 0;
    says_replica = strcmp(check_role, "replica") == 0 ||
                   strcmp(check_role, "standby") == 0;
    if (!says_primary && !says_replica && strcmp(check_role, "zombie") != 0)
        return 0; /* error, unknown, witness, ...: no opinion to compare */
    if (role == FLEET_ROLE_PRIMARY)
        return says_replica;
    return says_primary || strcmp(check_role, "zombie") == 0;
}

void derive_volume(struct fleet_volume *v, const struct derive_limits *lim,
                   int64_t now_ms)
{
    int64_t total =
        v->total_bytes > 0 ? v->total_bytes : (int64_t)v->size_gb << 30;
    int64_t t0 = 0, v0 = 0, t1 = 0, v1 = 0, t, x;
    size_t i;
    int have0 = 0;

    v->used_pct = -1;
    v->fill_rate = -1;
    v->eta_full_ms = -1;
    if (v->used_bytes < 0 || total <= 0)
        return;
    v->used_pct = 100.0 * (double)v->used_bytes / (double)total;
    for (i = 0; i < v->used_hist.n; i++) {
        derive_ring_at(&v->used_hist, i, &t, &x);
        if (t > now_ms || now_ms - t > lim->fill_window_ms)
            continue;
        if (!have0) {
            t0 = t, v0 = x, have0 = 1;
        }
        t1 = t, v1 = x;
    }
    if (!have0 || t1 - t0 < lim->fill_min_span_ms)
        return;
    v->fill_rate = (double)(v1 - v0) * 1000.0 / (double)(t1 - t0);
    if (v->fill_rate <= 0) {
        v->fill_rate = 0;
        return;
    }
    if (v->used_bytes >= total)
        v->eta_full_ms = 0;
    else
        v->eta_full_ms =
            (int64_t)((double)(total - v->used_bytes) / v->fill_rate * 1000.0);
}

/* Which nodes count, the primary, quorum, worst figures, role map. */
static void derive_counts(struct fleet_cluster *c)
{
    char *map;
    int primaries = 0;
    size_t i;

    c->primary = -1;
    c->members_total = (int)c->n_nodes;
    c->members_ok = c->region_members = c->region_up = 0;
    c->worst_lag_node = c->worst_volume_node = -1;
    c->worst_lag_bytes = c->worst_lag_ms = -1;
    c->worst_used_pct = -1;
    c->worst_eta_full_ms = -1;
    free(c->role_map);
    map = x_calloc(c->n_nodes + 1, 1);
    for (i = 0; i < c->n_nodes; i++) {
        struct fleet_node *n = &c->nodes[i];
        int up = n->reachable && n->state && strcmp(n->state, "started") == 0;
        char letter = '?';

        n->role_disagree =
            n->reachable && derive_role_disagree(n->role, n->check_role);
        if (n->reachable && n->role == FLEET_ROLE_PRIMARY) {
            /* The first primary found; a second one is an issue. */
            if (primaries++ == 0)
                c->primary = (long)i;
            letter = 'P';
            if (n->read_only ||
                (n->check_role && strcmp(n->check_role, "zombie") == 0))
                letter = 'Z';
        } else if (n->reachable && n->role == FLEET_ROLE_REPLICA) {
            letter = 'R';
        }
        if (n->role_disagree)
            letter = '!';
        map[i] = letter;
        n->in_primary_region =
            !c->primary_region || !*c->primary_region ||
            (n->region && strcmp(n->region, c->primary_region) == 0);
        if (up && (size_t)n->checks_passing == n->n_checks)
            c->members_ok++;
        if (n->in_primary_region) {
            c->region_members++;
            c->region_up += n->reachable;
        }
        if (n->lag_replay_bytes > c->worst_lag_bytes) {
            c->worst_lag_bytes = n->lag_replay_bytes;
            c->worst_lag_node = (long)i;
        }
        if (n->lag_ms > c->worst_lag_ms)
            c->worst_lag_ms = n->lag_ms;
        if (n->volume.used_pct > c->worst_used_pct) {
            c->worst_used_pct = n->volume.used_pct;
            c->worst_volume_node = (long)i;
        }
        if (n->volume.eta_full_ms >= 0 &&
            (c->worst_eta_full_ms < 0 ||
             n->volume.eta_full_ms < c->worst_eta_full_ms))
            c->worst_eta_full_ms = n->volume.eta_full_ms;
    }
    c->role_map = map;
    c->quorum_needed = c->region_members / 2 + 1;
    c->quorum_ok = c->region_up >= c->quorum_needed;
    c->ha = c->region_members >= 3;
}

void derive_cluster(struct fleet_cluster *c, const struct derive_limits *lim,
                    int64_t now_ms)
{
    size_t i;
    int probed = 0, reachable = 0, read_only = 0, bad = 0, idle = 0;

    derive_counts(c);
    derive_issues(c, lim, now_ms);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        probed += n->reachable || n->probe.updated_ms > 0 || n->probe.reason;
        reachable += n->reachable;
    }
    for (i = 0; i < c->n_issues; i++) {
        switch (c->issues[i].kind) {
        case FLEET_ISSUE_NO_PRIMARY:
        case FLEET_ISSUE_PRIMARY_FENCED:
        case FLEET_ISSUE_DISK_READ_ONLY:
            read_only = 1;
            break;
        default:
            break;
        }
        bad |= c->issues[i].severity >= FLEET_SEV_WARN;
    }
    for (i = 0; i < c->n_nodes; i++)
        idle += derive_idle(&c->nodes[i]);
    if (c->n_nodes > 0 && (size_t)idle == c->n_nodes)
        c->verdict = FLEET_VERDICT_IDLE;
    else if (c->n_nodes == 0 || (!probed && c->api.updated_ms == 0))
        c->verdict = c->n_nodes == 0 && c->api.updated_ms > 0
                         ? FLEET_VERDICT_UNREACHABLE
                         : FLEET_VERDICT_UNKNOWN;
    else if (!probed)
        c->verdict = FLEET_VERDICT_UNKNOWN;
    else if (reachable == 0)
        c->verdict = FLEET_VERDICT_UNREACHABLE;
    else if (!c->quorum_ok)
        c->verdict = FLEET_VERDICT_NO_QUORUM;
    else if (read_only)
        c->verdict = FLEET_VERDICT_READ_ONLY;
    else if (bad)
        c->verdict = FLEET_VERDICT_DEGRADED;
    else
        c->verdict = FLEET_VERDICT_HEALTHY;
}

void derive_format_bytes(int64_t bytes, char *out, size_t len)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    int u = -1;

    if (bytes < 0) {
        (void)snprintf(out, len, "-");
        return;
    }
    if (bytes < 1024) {
        (void)snprintf(out, len, "%lld B", (long long)bytes);
        return;
    }
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    (void)snprintf(out, len, "%.1f %s", v, units[u]);
}

void derive_format_duration(int64_t ms, char *out, size_t len)
{
    long long s = (long long)(ms / 1000);

    if (ms < 0)
        (void)snprintf(out, len, "-");
    else if (ms < 1000)
        (void)snprintf(out, len, "%lld ms", (long long)ms);
    else if (s < 60)
        (void)snprintf(out, len, "%lld s", s);
    else if (s < 3600)
        (void)snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        (void)snprintf(out, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else
        (void)snprintf(out, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

int derive_transient(const char *state)
{
    static const char *const states[] = {"created",  "launching",  "starting",
                                         "stopping", "restarting", "replacing",
                                         "updating", "destroying"};
    size_t i;

    for (i = 0; state && i < sizeof states / sizeof states[0]; i++)
        if (strcmp(state, states[i]) == 0)
            return 1;
    return 0;
}

int derive_idle(const struct fleet_node *n)
{
    cJSON *cfg;
    int idle;

    if (!n->state ||
        (strcmp(n->state, "stopped") != 0 &&
         strcmp(n->state, "suspended") != 0) ||
        !n->config_json || !strstr(n->config_json, "FLY_SCALE_TO_ZERO"))
        return 0;
    cfg = cJSON_Parse(n->config_json);
    idle = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "env"), "FLY_SCALE_TO_ZERO"));
    cJSON_Delete(cfg);
    return idle;
}
