#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "src/derive_impl.h"
#include "src/xmalloc.h"

/*
 * derive_issues: the "issues detected" rules, each with the action that
 * fixes it (derive.h).  Every text names the node and the figure that
 * triggered it, so the operator does not have to look it up.
 */

struct derive_list {
    struct fleet_issue *v;
    size_t n, cap;
};

static void derive_add(struct derive_list *l, enum fleet_issue_kind kind,
                       enum fleet_severity sev, const char *node,
                       enum fleet_action action, char *action_text,
                       const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static int derive_issue_cmp(const void *a, const void *b);
/* The command that resumes WAL replay on N (owned). */
static char *derive_resume_fix(const struct fleet_cluster *c,
                               const struct fleet_node *n)
{
    return x_asprintf("pgdeck sql %s --node %s -c \"SELECT "
                      "pg_wal_replay_resume()\"",
                      c->name, n->id);
}

static void derive_node_issues(struct derive_list *l,
                               const struct fleet_cluster *c,
                               const struct fleet_node *n,
                               const struct derive_limits *lim);
static void derive_disk_issues(struct derive_list *l,
                               const struct fleet_cluster *c,
                               const struct fleet_node *n, int is_primary,
                               const struct derive_limits *lim);

/* Adds an issue; ACTION_TEXT is taken (owned), may be NULL. */
static void derive_add(struct derive_list *l, enum fleet_issue_kind kind,
                       enum fleet_severity sev, const char *node,
                       enum fleet_action action, char *action_text,
                       const char *fmt, ...)
{
    struct fleet_issue *i;
    va_list ap;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = x_reallocarray(l->v, l->cap, sizeof *l->v);
    }
    i = &l->v[l->n++];
    i->kind = kind;
    i->severity = sev;
    i->node_id = x_strdup(node ? node : "");
    i->action = action;
    i->action_text = action_text ? action_text : x_strdup("");
    va_start(ap, fmt);
    i->text = x_vasprintf(fmt, ap);
    va_end(ap);
}

/* Worst first; then by kind, then node, for a stable order. */
static int derive_issue_cmp(const void *a, const void *b)
{
    const struct fleet_issue *x = a, *y = b;

    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->node_id, y->node_id);
}

static void derive_disk_issues(struct derive_list *l,
                               const struct fleet_cluster *c,
                               const struct fleet_node *n, int is_primary,
                               const struct derive_limits *lim)
{
    const struct fleet_volume *v = &n->volume;
    char eta[32], used[32];
    int grow = v->size_gb > 0 ? v->size_gb * 2 : 10;

    if (v->used_pct < 0)
        return;
    derive_format_bytes(v->used_bytes, used, sizeof used);
    if (is_primary && v->used_pct > lim->disk_crit) {
        derive_add(l, FLEET_ISSUE_DISK_READ_ONLY, FLEET_SEV_CRIT, n->id,
                   FLEET_ACTION_EXTEND_VOLUME,
                   x_asprintf("pgdeck volume extend %s %d --node %s", c->name,
                              grow, n->id),
                   "primary %s volume %.1f %% full (%s): postgres-flex "
                   "makes the cluster read-only above %d %%",
                   n->id, v->used_pct, used, lim->disk_crit);
    } else if (v->used_pct >= lim->disk_warn) {
        derive_add(l, FLEET_ISSUE_DISK_USAGE,
                   v->used_pct >= lim->disk_crit ? FLEET_SEV_CRIT
                                                 : FLEET_SEV_WARN,
                   n->id, FLEET_ACTION_EXTEND_VOLUME,
                   x_asprintf("pgdeck volume extend %s %d --node %s", c->name,
                              grow, n->id),
                   "%s volume %.1f %% full (%s of %d GB)", n->id, v->used_pct,
                   used, v->size_gb);
    }
    if (v->eta_full_ms >= 0 && v->eta_full_ms < lim->eta_warn_ms) {
        derive_format_duration(v->eta_full_ms, eta, sizeof eta);
        derive_add(l, FLEET_ISSUE_DISK_FULL_SOON,
                   v->eta_full_ms < lim->eta_crit_ms ? FLEET_SEV_CRIT
                                                     : FLEET_SEV_WARN,
                   n->id, FLEET_ACTION_EXTEND_VOLUME,
                   x_asprintf("pgdeck volume extend %s %d --node %s", c->name,
                              grow, n->id),
                   "%s volume full in %s at the current fill rate", n->id, eta);
    }
}

static void derive_node_issues(struct derive_list *l,
                               const struct fleet_cluster *c,
                               const struct fleet_node *n,
                               const struct derive_limits *lim)
{
    const struct fleet_node *p = c->primary >= 0 ? &c->nodes[c->primary] : NULL;
    int is_primary = p == n;
    char b[32], t[32];
    size_t i;

    if (n->host_status && *n->host_status &&
        strcmp(n->host_status, "ok") != 0) {
        derive_add(l, FLEET_ISSUE_HOST_UNREACHABLE, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_INVESTIGATE,
                   x_asprintf("wait for the host (Fly: it can be down for an "
                              "hour, a day or longer), or replace the node: "
                              "pgdeck replica add %s, then pgdeck replica "
                              "remove %s %s",
                              c->name, c->name, n->id),
                   "the host of %s is %s: the node counts as down", n->id,
                   n->host_status);
    } else if (derive_idle(n)) {
        derive_add(l, FLEET_ISSUE_MACHINE_NOT_STARTED, FLEET_SEV_INFO, n->id,
                   FLEET_ACTION_NONE,
                   x_strdup("nothing: it scaled to zero and starts on the "
                            "next connection"),
                   "machine %s is %s: idle (FLY_SCALE_TO_ZERO)", n->id,
                   n->state);
    } else if (n->state && derive_transient(n->state)) {
        derive_add(l, FLEET_ISSUE_MACHINE_NOT_STARTED, FLEET_SEV_INFO, n->id,
                   FLEET_ACTION_NONE,
                   x_strdup("wait: the platform is changing it; if it stays, "
                            "look at its events"),
                   "machine %s is %s", n->id, n->state);
    } else if (n->state && strcmp(n->state, "started") != 0) {
        derive_add(l, FLEET_ISSUE_MACHINE_NOT_STARTED, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_START_MACHINE,
                   x_asprintf("pgdeck restart %s %s", c->name, n->id),
                   "machine %s is %s", n->id, n->state);
    } else if (!n->reachable && (n->probe.reason || n->probe.updated_ms)) {
        derive_add(l, FLEET_ISSUE_NODE_UNREACHABLE, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_RESTART_NODE,
                   x_asprintf("pgdeck restart %s %s", c->name, n->id),
                   "%s does not answer SQL: %s", n->id,
                   n->probe.reason ? n->probe.reason : "no answer");
    }
    if (n->role_disagree)
        derive_add(l, FLEET_ISSUE_ROLE_DISAGREEMENT, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_INVESTIGATE,
                   x_strdup("wait one check interval (15 s); if it stays, "
                            "look at the node's events and repmgr"),
                   "%s is %s by SQL but its role check says %s", n->id,
                   fleet_role_name(n->role), n->check_role);
    if (n->reachable) {
        for (i = 0; i < n->n_checks; i++) {
            const struct fleet_check *ck = &n->checks[i];
            const char *line = strstr(ck->output, "[\xe2\x9c\x97]");
            size_t len;

            if (strcmp(ck->status, "passing") == 0)
                continue;
            /* The failing line ("[✗] cpu: ...") says why; else the first. */
            if (!line)
                line = ck->output;
            len = strcspn(line, "\n");
            derive_add(l, FLEET_ISSUE_CHECK_FAILING, FLEET_SEV_WARN, n->id,
                       FLEET_ACTION_INVESTIGATE,
                       x_strdup("open the node view for the check output"),
                       "%s check %s is %s: %.*s", n->id, ck->name, ck->status,
                       (int)(len > 120 ? 120 : len), line);
        }
    }
    if (!is_primary && p && n->reachable && n->role == FLEET_ROLE_REPLICA &&
        n->timeline >= 0 && p->timeline >= 0 && n->timeline != p->timeline)
        derive_add(l, FLEET_ISSUE_TIMELINE_MISMATCH, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_RESTART_NODE,
                   x_asprintf("pgdeck restart %s %s", c->name, n->id),
                   "%s is on timeline %lld, the primary on %lld", n->id,
                   (long long)n->timeline, (long long)p->timeline);
    if (!is_primary && n->lag_state == FLEET_LAG_MISSING && n->state &&
        strcmp(n->state, "started") == 0)
        derive_add(l, FLEET_ISSUE_REPLICA_NOT_STREAMING, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_RESTART_NODE,
                   x_asprintf("pgdeck restart %s %s", c->name, n->id),
                   "%s is not replicating from the primary %s", n->id,
                   p ? p->id : "");
    /* Paused replay is an operator's pause or an incident from the first
     * refresh, before any lag builds up; past the lag limits it is the lag
     * issue below, which says the replay is paused. */
    if (!is_primary && n->reachable && n->replay_paused &&
        n->lag_replay_bytes < lim->lag_bytes_warn &&
        n->lag_ms < lim->lag_ms_warn)
        derive_add(l, FLEET_ISSUE_REPLAY_PAUSED, FLEET_SEV_INFO, n->id,
                   FLEET_ACTION_RESUME_REPLAY, derive_resume_fix(c, n),
                   "%s has WAL replay paused: it falls behind as the "
                   "primary writes, and a failover to it waits for replay",
                   n->id);
    if (!is_primary && (n->lag_replay_bytes >= lim->lag_bytes_warn ||
                        n->lag_ms >= lim->lag_ms_warn)) {
        int crit = n->lag_replay_bytes >= lim->lag_bytes_crit ||
                   n->lag_ms >= lim->lag_ms_crit;

        derive_format_bytes(n->lag_replay_bytes, b, sizeof b);
        derive_format_duration(n->lag_ms, t, sizeof t);
        if (n->replay_paused)
            derive_add(l, FLEET_ISSUE_REPLICATION_LAG,
                       crit ? FLEET_SEV_CRIT : FLEET_SEV_WARN, n->id,
                       FLEET_ACTION_RESUME_REPLAY, derive_resume_fix(c, n),
                       "%s is %s / %s behind: WAL replay is paused", n->id, b,
                       t);
        else
            derive_add(l, FLEET_ISSUE_REPLICATION_LAG,
                       crit ? FLEET_SEV_CRIT : FLEET_SEV_WARN, n->id,
                       FLEET_ACTION_INVESTIGATE,
                       x_strdup("check the replica's load, network and "
                                "disk; do not fail over to it"),
                       "%s is %s / %s behind the primary", n->id, b, t);
    }
    derive_disk_issues(l, c, n, is_primary, lim);
    for (i = 0; is_primary && i < n->n_slots; i++) {
        const struct fleet_slot *s = &n->slots[i];

        if (s->active || s->retained_bytes < lim->lag_bytes_warn)
            continue;
        derive_format_bytes(s->retained_bytes, b, sizeof b);
        derive_add(l, FLEET_ISSUE_SLOT_INACTIVE, FLEET_SEV_WARN, n->id,
                   FLEET_ACTION_DROP_SLOT,
                   x_asprintf("pgdeck sql %s -c \"SELECT "
                              "pg_drop_replication_slot('%s')\" (when its "
                              "standby is gone for good)",
                              c->name, s->name),
                   "inactive slot %s retains %s of WAL on %s", s->name, b,
                   n->id);
    }
}

void derive_issues(struct fleet_cluster *c, const struct derive_limits *lim,
                   int64_t now_ms)
{
    struct derive_list l = {NULL, 0, 0};
    const struct fleet_node *p = c->primary >= 0 ? &c->nodes[c->primary] : NULL;
    size_t i;
    int primaries = 0, reachable = 0, stale = 0;
    char age[32];

    for (i = 0; i < c->n_issues; i++)
        fleet_issue_clear(&c->issues[i]);
    free(c->issues);
    c->issues = NULL;
    c->n_issues = 0;

    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        primaries += n->reachable && n->role == FLEET_ROLE_PRIMARY;
        reachable += n->reachable;
        stale |= n->probe.stale || n->api.stale;
        derive_node_issues(&l, c, n, lim);
    }
    if (reachable > 0 && primaries == 0)
        derive_add(&l, FLEET_ISSUE_NO_PRIMARY, FLEET_SEV_CRIT, NULL,
                   FLEET_ACTION_FAILOVER,
                   x_asprintf("pgdeck failover %s", c->name),
                   "no node is a writable primary (%d of %zu answer SQL)",
                   reachable, c->n_nodes);
    if (primaries > 1)
        derive_add(&l, FLEET_ISSUE_MULTIPLE_PRIMARIES, FLEET_SEV_CRIT, NULL,
                   FLEET_ACTION_INVESTIGATE,
                   x_strdup("stop writes; keep the primary repmgr knows "
                            "and restart the other to rejoin"),
                   "%d nodes are primaries (split brain)", primaries);
    if (p && (p->read_only ||
              (p->check_role && strcmp(p->check_role, "zombie") == 0)))
        derive_add(
            &l, FLEET_ISSUE_PRIMARY_FENCED, FLEET_SEV_CRIT, p->id,
            c->quorum_ok ? FLEET_ACTION_RESTART_NODE : FLEET_ACTION_ADD_REPLICA,
            c->quorum_ok
                ? x_asprintf("pgdeck restart %s %s", c->name, p->id)
                : x_asprintf("bring the members in %s back, or "
                             "pgdeck replica add %s --region %s",
                             c->primary_region, c->name, c->primary_region),
            "primary %s is fenced (read-only)", p->id);
    if (c->n_nodes > 0 && !c->quorum_ok && reachable > 0)
        derive_add(&l, FLEET_ISSUE_NO_QUORUM, FLEET_SEV_CRIT, NULL,
                   FLEET_ACTION_RESTART_NODE,
                   x_asprintf("restart the members down in %s "
                              "(pgdeck restart %s NODE)",
                              c->primary_region, c->name),
                   "%d of %d members up in %s, quorum needs %d", c->region_up,
                   c->region_members, c->primary_region, c->quorum_needed);
    if (c->n_nodes > 0 && !c->ha)
        derive_add(&l, FLEET_ISSUE_NOT_HA, FLEET_SEV_INFO, NULL,
                   FLEET_ACTION_HA_CONVERT, x_asprintf("pgdeck ha %s", c->name),
                   "%d member%s in %s: high availability needs 3",
                   c->region_members, c->region_members == 1 ? "" : "s",
                   c->primary_region);
    if (p && !p->in_primary_region)
        derive_add(&l, FLEET_ISSUE_PRIMARY_OUTSIDE_REGION, FLEET_SEV_WARN,
                   p->id, FLEET_ACTION_FAILOVER,
                   x_asprintf("pgdeck failover %s", c->name),
                   "primary %s runs in %s, outside PRIMARY_REGION %s", p->id,
                   p->region, c->primary_region);
    if (c->api.stale || stale) {
        const struct fleet_stale *s = &c->api;

        for (i = 0; !s->stale && i < c->n_nodes; i++)
            s = c->nodes[i].probe.stale ? &c->nodes[i].probe : &c->nodes[i].api;
        derive_format_duration(s->updated_ms ? now_ms - s->updated_ms : -1, age,
                               sizeof age);
        derive_add(&l, FLEET_ISSUE_STALE_DATA, FLEET_SEV_INFO, NULL,
                   FLEET_ACTION_NONE,
                   x_strdup("pgdeck keeps retrying; the data shown is the "
                            "last good one"),
                   "data is stale (age %s): %s", age,
                   s->reason ? s->reason : "refresh failed");
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, derive_issue_cmp);
    c->issues = l.v;
    c->n_issues = l.n;
}
