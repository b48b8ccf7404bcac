#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/buf.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_failover: the candidates table and flyctl's flex failover
 * (fly-machines-api.md §8.2) with the exec endpoint in place of SSH, plus
 * what flyctl lacks: every candidate's verdict before the confirm key, a
 * lag limit, and the old primary confirmed stopped before the promote (so
 * that two primaries never take writes at once).
 */

static char *actions_env_region(const struct fleet_node *n, int *known);
static char *actions_candidate_reason(const struct fleet_cluster *c,
                                      const struct fleet_node *n,
                                      const struct action_args *a,
                                      int *eligible);

/* PRIMARY_REGION of N's env (owned; "" when unset); *KNOWN 0 when N's
 * config is not known. */
static char *actions_env_region(const struct fleet_node *n, int *known)
{
    cJSON *cfg;
    const cJSON *v;
    char *r;

    *known = n->config_json && *n->config_json;
    if (!*known)
        return x_strdup("");
    cfg = cJSON_Parse(n->config_json);
    v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "env"), "PRIMARY_REGION");
    r = x_strdup(cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(cfg);
    return r;
}

int actions_failover_structure(const struct fleet_cluster *c,
                               struct action_preflight *pf)
{
    char *first = NULL;
    const char *first_id = NULL;
    size_t i;
    int rc = 0;

    if (c->n_nodes < 3)
        return actions_refuse(pf,
                              "failover needs at least 3 machines to keep a "
                              "quorum; %s has %zu (add a replica first)",
                              c->name, c->n_nodes);
    if (!actions_primary(c))
        return actions_refuse(pf,
                              "no primary in %s: nothing to fail over "
                              "from",
                              c->name);
    for (i = 0; i < c->n_nodes && rc == 0; i++) {
        const struct fleet_node *n = &c->nodes[i];
        int known;
        char *r = actions_env_region(n, &known);

        if (!known)
            rc = actions_refuse(pf,
                                "the machine config of %s is not known (data "
                                "from the cache); wait for a refresh",
                                n->id);
        else if (!*r)
            rc = actions_refuse(pf,
                                "machine %s has no PRIMARY_REGION in its env; "
                                "set it before failing over",
                                n->id);
        else if (first && strcmp(first, r) != 0)
            rc = actions_refuse(pf,
                                "the machines disagree on PRIMARY_REGION (%s "
                                "on %s, %s on %s); fix their env before "
                                "failing over",
                                first, first_id, r, n->id);
        if (!first) {
            first = r;
            first_id = n->id;
        } else {
            free(r);
        }
    }
    free(first);
    return rc;
}

/* Why N can or cannot be promoted (owned); *ELIGIBLE the verdict.  An
 * eligible one's reason is "eligible", or "eligible" and a note after ", "
 * or ": " (actions_candidate_note).  The
 * reasons --force overrides start with "lag", the one
 * --allow-secondary-region does with "not in PRIMARY_REGION". */
static char *actions_candidate_reason(const struct fleet_cluster *c,
                                      const struct fleet_node *n,
                                      const struct action_args *a,
                                      int *eligible)
{
    char lag[32], lim[32];

    *eligible = 0;
    if (!n->in_primary_region && !a->allow_secondary_region) {
        return x_asprintf("not in PRIMARY_REGION %s", c->primary_region);
    }
    if (!actions_started(n))
        return x_asprintf("machine is %s", n->state ? n->state : "unknown");
    if (n->host_status && *n->host_status && strcmp(n->host_status, "ok") != 0)
        return x_asprintf("host %s", n->host_status);
    if (n->role != FLEET_ROLE_REPLICA)
        return x_strdup(n->reachable ? "not a replica"
                                     : "not reachable over SQL");
    if (n->n_checks == 0 || n->checks_passing < (int)n->n_checks)
        return x_asprintf("checks %d/%zu passing", n->checks_passing,
                          n->n_checks);
    actions_size_text(a->max_lag_bytes, lim, sizeof lim);
    if (n->lag_replay_bytes < 0) {
        *eligible = a->force;
        return x_asprintf("%slag unknown%s%s", a->force ? "eligible: " : "",
                          n->lag_state == FLEET_LAG_MISSING ? " (not streaming)"
                                                            : "",
                          a->force ? " (--force)" : "");
    }
    if (n->lag_replay_bytes > a->max_lag_bytes) {
        actions_size_text(n->lag_replay_bytes, lag, sizeof lag);
        *eligible = a->force;
        return x_asprintf("%slags %s (limit %s)%s",
                          a->force ? "eligible: " : "", lag, lim,
                          a->force ? " (--force)" : "");
    }
    *eligible = 1;
    /* Promotion ends the pause, then replays what the replica received
     * before it takes writes: it is a candidate, but not a quiet one. */
    if (n->replay_paused)
        return x_asprintf("eligible: replay paused (promotion waits for "
                          "replay to finish)%s%s",
                          n->in_primary_region ? ""
                                               : ", outside PRIMARY_REGION ",
                          n->in_primary_region ? "" : c->primary_region);
    if (!n->in_primary_region)
        return x_asprintf("eligible, outside PRIMARY_REGION %s",
                          c->primary_region);
    return x_strdup("eligible");
}

const char *actions_candidate_note(const struct action_candidate *k)
{
    const char *r = k->reason ? k->reason : "";

    if (!k->eligible)
        return r;
    if (strncmp(r, "eligible", 8) == 0)
        r += 8;
    return r + strspn(r, ",: ");
}

long actions_candidates(const struct fleet_cluster *c,
                        const struct action_args *a,
                        struct action_preflight *pf)
{
    const struct fleet_node *prim = actions_primary(c);
    long best = -1;
    size_t i;

    if (!prim || c->n_nodes < 2)
        return -1;
    pf->candidates = x_calloc(c->n_nodes, sizeof *pf->candidates);
    pf->n_candidates = 0;
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];
        struct action_candidate *k = &pf->candidates[pf->n_candidates];

        if (n == prim)
            continue;
        k->id = x_strdup(n->id);
        k->region = x_strdup(n->region ? n->region : "");
        k->checks_passing = n->checks_passing;
        k->n_checks = (int)n->n_checks;
        k->lag_bytes = n->lag_replay_bytes;
        k->lag_ms = n->lag_ms;
        k->reason = actions_candidate_reason(c, n, a, &k->eligible);
        if (k->eligible) {
            /* The primary region first, then the least lag (unknown as
             * the most), then the model's order. */
            const struct action_candidate *b =
                best >= 0 ? &pf->candidates[best] : NULL;
            const struct fleet_node *bn =
                b ? fleet_cluster_node(c, b->id) : NULL;
            int64_t kl = k->lag_bytes < 0 ? INT64_MAX : k->lag_bytes;
            int64_t bl = !b || b->lag_bytes < 0 ? INT64_MAX : b->lag_bytes;

            /* A paused replica comes after every replaying one. */
            if (!b || (n->in_primary_region && !bn->in_primary_region) ||
                (n->in_primary_region == bn->in_primary_region &&
                 (n->replay_paused < bn->replay_paused ||
                  (n->replay_paused == bn->replay_paused && kl < bl))))
                best = (long)pf->n_candidates;
        }
        pf->n_candidates++;
    }
    return best;
}

/* "a: why; b: why" over the candidates, and the flags that could help. */
static char *actions_no_candidate(const struct action_preflight *pf,
                                  const struct action_args *a)
{
    struct buf b = BUF_INIT;
    int region = 0, lag = 0;
    size_t i;

    buf_puts(&b, "no eligible candidate: ");
    for (i = 0; i < pf->n_candidates; i++) {
        const struct action_candidate *k = &pf->candidates[i];

        buf_printf(&b, "%s%s %s", i ? "; " : "", k->id, k->reason);
        region |= strncmp(k->reason, "not in PRIMARY_REGION", 21) == 0;
        lag |= strncmp(k->reason, "lag", 3) == 0;
    }
    if (pf->n_candidates == 0)
        buf_puts(&b, "no replica");
    if (region && !a->allow_secondary_region)
        buf_puts(&b, " (--allow-secondary-region considers the other "
                     "regions)");
    if (lag && !a->force)
        buf_puts(&b, " (--force accepts a lagging one)");
    return buf_steal(&b);
}

int actions_failover(const struct fleet_cluster *c, const struct action_args *a,
                     struct plan *p, struct action_preflight *pf)
{
    const struct fleet_node *old = actions_primary(c), *new = NULL;
    const struct action_candidate *k = NULL;
    long best = actions_candidates(c, a, pf);
    const char *promote[] = {
        "repmgr", "standby",           "promote", "--siblings-follow",
        "-f",     "/data/repmgr.conf", NULL};
    const char *dry[] = {"repmgr", "standby",           "switchover",
                         "-f",     "/data/repmgr.conf", "--dry-run",
                         NULL};
    const char *probe[] = {"psql", "-Atc", "select pg_is_in_recovery()", NULL};
    struct plan_step *s;
    size_t i;

    if (actions_failover_structure(c, pf) != 0)
        return -1;
    if (a->to && *a->to) {
        new = actions_node_or_refuse(c, a->to, pf);
        if (!new)
            return -1;
        if (new == old)
            return actions_refuse(pf, "%s is already the primary of %s",
                                  new->id, c->name);
        for (i = 0; i < pf->n_candidates; i++)
            if (strcmp(pf->candidates[i].id, new->id) == 0)
                k = &pf->candidates[i];
        if (!k || !k->eligible)
            return actions_refuse(
                pf, "%s is not eligible: %s%s", new->id,
                k ? k->reason : "not a candidate",
                k && strncmp(k->reason, "lag", 3) == 0 ? " (--force accepts it)"
                : k && strncmp(k->reason, "not in PRIMARY_REGION", 21) == 0
                    ? " (--allow-secondary-region)"
                    : "");
    } else if (best < 0) {
        char *why = actions_no_candidate(pf, a);

        actions_refuse(pf, "%s", why);
        free(why);
        return -1;
    } else {
        k = &pf->candidates[best];
        new = fleet_cluster_node(c, k->id);
    }

    plan_set_var(p, "old", old->id);
    plan_set_var(p, "new", new->id);
    free(p->summary);
    p->summary = x_asprintf("failover %s: %s -> %s", c->name, old->id, new->id);
    for (i = 0; i < c->n_nodes; i++)
        plan_add_lease(p, c->nodes[i].id);
    plan_add_warning(p,
                     "writes stop from the stop of the primary %s until %s "
                     "is promoted",
                     old->id, new->id);
    if (strncmp(k->reason, "eligible: ", 10) == 0)
        plan_add_warning(p, "%s %s: transactions it has not replayed are lost",
                         new->id, k->reason + 10);
    if (!new->in_primary_region)
        plan_add_warning(p,
                         "%s is outside PRIMARY_REGION %s: move the primary "
                         "region too (fly deploy) or fail back",
                         new->id, c->primary_region);

    actions_snapshot_first(p, c, a,
                           "transactions the new primary has not replayed "
                           "are lost");
    s = actions_step(p,
                     x_strdup("dry run of a switchover on ${new} (repmgr "
                              "standby switchover --dry-run)"),
                     "POST", actions_exec_path("${new}"),
                     actions_exec_body(dry, ACTIONS_REPMGR_TIMEOUT_S));
    s = actions_step(p, x_strdup("stop the primary ${old}"), "POST",
                     x_strdup("/apps/${app}/machines/${old}/stop"),
                     x_strdup("{\"signal\":\"SIGINT\"}"));
    actions_mutating(s, old->id);
    /* Writes are stopped from here until the promotion: look often. */
    s = actions_wait_machine(p, x_strdup("wait for ${old} to be stopped"),
                             "${old}", PLAN_COND_MACHINE_STATE, "stopped",
                             ACTIONS_WAIT_STOP_MS);
    s->interval_ms = ACTIONS_OUTAGE_INTERVAL_MS;
    s = actions_step(p,
                     x_strdup("start ${new} (a no-op while it runs, as "
                              "flyctl does)"),
                     "POST", x_strdup("/apps/${app}/machines/${new}/start"),
                     NULL);
    actions_mutating(s, new->id);
    s = actions_step(p,
                     x_strdup("promote ${new} (repmgr standby promote "
                              "--siblings-follow)"),
                     "POST", actions_exec_path("${new}"),
                     actions_exec_body(promote, ACTIONS_REPMGR_TIMEOUT_S));
    s->mutates = 1;
    actions_check(s, "POST", actions_exec_path("${new}"),
                  actions_exec_body(probe, ACTIONS_EXEC_TIMEOUT_S),
                  PLAN_COND_EXEC_STDOUT, "f");
    s = actions_step(p,
                     x_strdup("start the old primary ${old} (it rejoins as a "
                              "replica)"),
                     "POST", x_strdup("/apps/${app}/machines/${old}/start"),
                     NULL);
    actions_mutating(s, old->id);
    actions_wait_machine(p,
                         x_strdup("wait for the role check of ${new} to say "
                                  "primary"),
                         "${new}", PLAN_COND_ROLE, "primary",
                         ACTIONS_WAIT_ROLE_MS);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        if (!actions_started(n) && n != old)
            continue;
        actions_wait_machine(
            p, x_asprintf("wait for every check of %s to pass", n->id), n->id,
            PLAN_COND_CHECKS_PASSING, NULL, ACTIONS_WAIT_CHECKS_MS);
    }
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        if (n == new || (!actions_started(n) && n != old))
            continue;
        actions_wait_streaming(
            p, c,
            x_asprintf("wait for %s to stream from the new primary ${new}",
                       n->id),
            "${new}", n->id);
    }
    actions_abort_start(p, old);
    return 0;
}
