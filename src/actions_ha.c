#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/actions_impl.h"
#include "src/buf.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_ha: the single node (or two nodes) -> HA conversion of issue 7
 * (fly-machines-api.md §7.6, §9.6).  The pre-flight is a checklist whose
 * every line is filled even when an earlier one fails (the wizard shows
 * them all); the plan updates the existing node(s) once (no
 * FLY_SCALE_TO_ZERO, restart policy always, the memory raised when it is
 * below ACTION_HA_MIN_MEMORY_MB), replicas before the primary, then clones
 * the updated primary into PRIMARY_REGION until ACTION_HA_MEMBERS members
 * (actions_clone_steps, shared with replica add), each waited until it
 * streams and has caught up.  action_ha_verify() judges the result on a
 * refreshed model.  Pure: nothing here talks to the network.
 */

/* A clone source fuller than this (percent of its volume) is refused: the
 * new volumes have the same size and would start as full. */
#define ACTIONS_HA_MAX_FILL_PCT 90.0
#define ACTIONS_GIB (1024.0 * 1024.0 * 1024.0)

static void actions_ha_line(struct action_check **v, size_t *n,
                            const char *what, enum action_check_state st,
                            const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static char *actions_ha_env(const struct fleet_node *n, const char *key,
                            int *known);
static int actions_ha_config(cJSON *cfg, long memory_mb, struct buf *changes);
static void actions_ha_check_nodes(const struct fleet_cluster *c,
                                   struct action_check **v, size_t *n);
static void actions_ha_check_region(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n);
static void actions_ha_check_volume(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n);
static void actions_ha_check_memory(const struct fleet_cluster *c,
                                    const struct action_args *a,
                                    struct action_check **v, size_t *n,
                                    long *memory_mb);
static void actions_ha_check_flavor(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n);
static void actions_ha_check_members(const struct fleet_cluster *c,
                                     struct action_check **v, size_t *n);

/* Appends one checklist line. */
static void actions_ha_line(struct action_check **v, size_t *n,
                            const char *what, enum action_check_state st,
                            const char *fmt, ...)
{
    va_list ap;
    struct action_check *k;

    *v = x_reallocarray(*v, *n + 1, sizeof **v);
    k = &(*v)[(*n)++];
    k->what = x_strdup(what);
    k->state = st;
    va_start(ap, fmt);
    k->detail = x_vasprintf(fmt, ap);
    va_end(ap);
}

void action_checks_free(struct action_check *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].what);
        free(v[i].detail);
    }
    free(v);
}

/* The value of env KEY of N's config (owned; NULL when unset); *KNOWN 0
 * when N's config is not known. */
static char *actions_ha_env(const struct fleet_node *n, const char *key,
                            int *known)
{
    cJSON *cfg;
    const cJSON *v;
    char *r;

    *known = n->config_json && *n->config_json;
    if (!*known)
        return NULL;
    cfg = cJSON_Parse(n->config_json);
    v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "env"), key);
    r = cJSON_IsString(v) ? x_strdup(v->valuestring) : NULL;
    cJSON_Delete(cfg);
    return r;
}

/*
 * The HA form of machine config CFG (changed in place): env
 * FLY_SCALE_TO_ZERO removed, restart.policy "always", guest.memory_mb
 * MEMORY_MB.  What changed goes to CHANGES (", "-separated) when not NULL.
 * Returns 1 when anything changed.
 */
static int actions_ha_config(cJSON *cfg, long memory_mb, struct buf *changes)
{
    cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env");
    cJSON *restart = cJSON_GetObjectItemCaseSensitive(cfg, "restart");
    cJSON *guest = cJSON_GetObjectItemCaseSensitive(cfg, "guest");
    const cJSON *pol, *mem;
    int changed = 0;

    if (cJSON_GetObjectItemCaseSensitive(env, "FLY_SCALE_TO_ZERO")) {
        cJSON_DeleteItemFromObjectCaseSensitive(env, "FLY_SCALE_TO_ZERO");
        if (changes)
            buf_printf(changes, "%sFLY_SCALE_TO_ZERO removed",
                       changed ? ", " : "");
        changed = 1;
    }
    if (!cJSON_IsObject(restart)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "restart");
        restart = cJSON_AddObjectToObject(cfg, "restart");
    }
    pol = cJSON_GetObjectItemCaseSensitive(restart, "policy");
    if (!cJSON_IsString(pol) || strcmp(pol->valuestring, "always") != 0) {
        if (changes)
            buf_printf(changes, "%srestart policy %s -> always",
                       changed ? ", " : "",
                       cJSON_IsString(pol) ? pol->valuestring : "(unset)");
        if (pol)
            cJSON_ReplaceItemInObjectCaseSensitive(
                restart, "policy", cJSON_CreateString("always"));
        else
            cJSON_AddStringToObject(restart, "policy", "always");
        changed = 1;
    }
    if (!cJSON_IsObject(guest)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "guest");
        guest = cJSON_AddObjectToObject(cfg, "guest");
    }
    mem = cJSON_GetObjectItemCaseSensitive(guest, "memory_mb");
    if (!cJSON_IsNumber(mem) || (long)mem->valuedouble != memory_mb) {
        if (changes)
            buf_printf(changes, "%smemory %ld -> %ld MB", changed ? ", " : "",
                       cJSON_IsNumber(mem) ? (long)mem->valuedouble : 0L,
                       memory_mb);
        if (mem)
            cJSON_ReplaceItemInObjectCaseSensitive(
                guest, "memory_mb", cJSON_CreateNumber((double)memory_mb));
        else
            cJSON_AddNumberToObject(guest, "memory_mb", (double)memory_mb);
        changed = 1;
    }
    return changed;
}

/* ---- the checklist ---- */

/* The node(s): a SQL primary, every machine started with every check
 * passing, every replica streaming. */
static void actions_ha_check_nodes(const struct fleet_cluster *c,
                                   struct action_check **v, size_t *n)
{
    const struct fleet_node *prim = actions_primary(c);
    const char *what = c->n_nodes > 1
                           ? "a primary, every node's checks passing"
                           : "the node is the primary and its checks pass";
    struct buf ok = BUF_INIT;
    size_t i;

    if (!prim && c->n_nodes == 1 && !actions_started(&c->nodes[0])) {
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "the node %s is %s (scaled to zero?): start it "
                        "first (pgdeck restart %s %s)",
                        c->nodes[0].id,
                        c->nodes[0].state ? c->nodes[0].state : "not started",
                        c->name, c->nodes[0].id);
        return;
    }
    if (!prim) {
        actions_ha_line(
            v, n, what, ACTION_CHECK_FAIL,
            "no SQL primary in %s (roles %s): bring the primary "
            "back first (pgdeck status %s)",
            c->name, c->role_map && *c->role_map ? c->role_map : "?", c->name);
        return;
    }
    if (prim->host_status && *prim->host_status &&
        strcmp(prim->host_status, "ok") != 0) {
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "the host of the primary %s is %s: its config "
                        "cannot be cloned; wait until it is ok",
                        prim->id, prim->host_status);
        return;
    }
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];
        const char *who = nd == prim ? "the primary" : "the replica";

        if (!nd->config_json || !*nd->config_json) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the machine config of %s is not known (data "
                            "from the cache): wait for a refresh",
                            nd->id);
            goto out;
        }
        if (!actions_started(nd)) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "%s %s is %s: start it first (pgdeck restart %s "
                            "%s)",
                            who, nd->id, nd->state ? nd->state : "unknown",
                            c->name, nd->id);
            goto out;
        }
        if (nd->n_checks == 0 || nd->checks_passing < (int)nd->n_checks) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "%s %s has %d/%zu checks passing: wait until "
                            "they pass or fix it (pgdeck status %s)",
                            who, nd->id, nd->checks_passing, nd->n_checks,
                            c->name);
            goto out;
        }
        if (nd != prim && nd->lag_state != FLEET_LAG_STREAMING &&
            nd->lag_state != FLEET_LAG_IDLE) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the replica %s is %s: fix or remove it first "
                            "(pgdeck replica remove %s %s)",
                            nd->id, fleet_lag_state_name(nd->lag_state),
                            c->name, nd->id);
            goto out;
        }
        buf_printf(&ok, "%s%s %s, checks %d/%zu passing%s", ok.len ? "; " : "",
                   nd == prim ? "primary" : "replica", nd->id,
                   nd->checks_passing, nd->n_checks,
                   nd == prim ? "" : ", streaming");
    }
    actions_ha_line(v, n, what, ACTION_CHECK_PASS, "%s", buf_str(&ok));
out:
    buf_free(&ok);
}

/* PRIMARY_REGION on every machine, all equal, the primary's region. */
static void actions_ha_check_region(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n)
{
    static const char what[] =
        "PRIMARY_REGION set on every machine, the primary's region";
    const struct fleet_node *prim = actions_primary(c);
    char *first = NULL;
    const char *first_id = NULL;
    size_t i;
    int known, done = 0;

    for (i = 0; i < c->n_nodes && !done; i++) {
        const struct fleet_node *nd = &c->nodes[i];
        char *r = actions_ha_env(nd, "PRIMARY_REGION", &known);

        if (!known) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the machine config of %s is not known (data "
                            "from the cache): wait for a refresh",
                            nd->id);
            done = 1;
        } else if (!r || !*r) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "%s has no PRIMARY_REGION in its env: set it to "
                            "%s (fly machine update %s --env "
                            "PRIMARY_REGION=%s)",
                            nd->id,
                            prim ? prim->region : "the primary's region",
                            nd->id, prim ? prim->region : "REGION");
            done = 1;
        } else if (first && strcmp(first, r) != 0) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the machines disagree (%s on %s, %s on %s): "
                            "give them one PRIMARY_REGION first",
                            first, first_id, r, nd->id);
            done = 1;
        }
        if (!first && r && *r) {
            first = r;
            first_id = nd->id;
        } else {
            free(r);
        }
    }
    if (!done && c->n_nodes == 0)
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL, "%s has no machine",
                        c->name);
    else if (!done && !prim)
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "PRIMARY_REGION is %s, but there is no primary to "
                        "compare its region with",
                        first);
    else if (!done && (!prim->region || strcmp(prim->region, first) != 0))
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "the primary %s is in %s but PRIMARY_REGION is %s: "
                        "fail over into %s or fix PRIMARY_REGION first",
                        prim->id, prim->region ? prim->region : "?", first,
                        first);
    else if (!done)
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "%s on every machine; the primary %s is in %s", first,
                        prim->id, prim->region);
    free(first);
}

/* The primary's volume: known size, used bytes fit a volume of that size. */
static void actions_ha_check_volume(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n)
{
    static const char what[] = "volume headroom for the clones";
    const struct fleet_node *prim = actions_primary(c);
    cJSON *cfg;
    int size_gb, mounted;
    int64_t used, total;
    double pct;
    char u[32];

    if (!prim || !prim->config_json || !*prim->config_json) {
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "no primary whose config is known to clone from");
        return;
    }
    cfg = cJSON_Parse(prim->config_json);
    size_gb = actions_clone_size_gb(prim, cfg);
    mounted = cJSON_IsObject(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0));
    cJSON_Delete(cfg);
    if (size_gb <= 0) {
        if (!mounted)
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the primary %s mounts no volume: there is no "
                            "data directory to clone",
                            prim->id);
        else
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                            "the size of the primary's volume %s is not "
                            "known: wait for a refresh",
                            prim->volume.id);
        return;
    }
    used = prim->volume.used_bytes >= 0 ? prim->volume.used_bytes
                                        : prim->db_size_bytes;
    if (used < 0) {
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "usage of the primary's volume not known yet; each "
                        "new volume is %d GB like the primary's",
                        size_gb);
        return;
    }
    total = prim->volume.total_bytes > 0
                ? prim->volume.total_bytes
                : (int64_t)((double)size_gb * ACTIONS_GIB);
    pct = (double)used * 100.0 / (double)total;
    actions_size_text(used, u, sizeof u);
    if (pct > ACTIONS_HA_MAX_FILL_PCT)
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "the primary's volume holds %s of %d GB (%.0f %%, "
                        "over %.0f %%): the clones would start as full; "
                        "extend it first (pgdeck volume extend %s %d)",
                        u, size_gb, pct, ACTIONS_HA_MAX_FILL_PCT, c->name,
                        size_gb * 2);
    else
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "%s used of %d GB (%.0f %%); each new volume is %d GB "
                        "like the primary's",
                        u, size_gb, pct, size_gb);
}

/* Memory: every member at least ACTION_HA_MIN_MEMORY_MB (FIX when the plan
 * raises it), a --memory that the machines' CPUs accept. */
static void actions_ha_check_memory(const struct fleet_cluster *c,
                                    const struct action_args *a,
                                    struct action_check **v, size_t *n,
                                    long *memory_mb)
{
    char what[64], why[160];
    long target, most = 0;
    size_t i, low = 0;
    struct buf found = BUF_INIT;

    (void)snprintf(what, sizeof what, "memory at least %d MB",
                   ACTION_HA_MIN_MEMORY_MB);
    for (i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].memory_mb > most)
            most = c->nodes[i].memory_mb;
    target = a->memory_mb > 0                 ? a->memory_mb
             : most > ACTION_HA_MIN_MEMORY_MB ? most
                                              : ACTION_HA_MIN_MEMORY_MB;
    *memory_mb = target;
    if (target < ACTION_HA_MIN_MEMORY_MB) {
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "--memory %ld MB is below the HA minimum of %d MB",
                        target, ACTION_HA_MIN_MEMORY_MB);
        return;
    }
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];

        if (action_memory_valid(nd->cpu_kind, nd->cpus > 0 ? nd->cpus : 1,
                                target, why, sizeof why) != 0) {
            actions_ha_line(v, n, what, ACTION_CHECK_FAIL, "%s: %s", nd->id,
                            why);
            return;
        }
        if (nd->memory_mb != target) {
            buf_printf(&found, "%s%s %d MB", low ? ", " : "", nd->id,
                       nd->memory_mb);
            low++;
        }
    }
    if (low == 0)
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "%s %ld MB; the new replicas get the same",
                        c->n_nodes > 1 ? "every member has" : "the node has",
                        target);
    else
        actions_ha_line(v, n, what, ACTION_CHECK_FIX,
                        "%s: the plan scales %s to %ld MB first (replicas "
                        "before the primary); the new replicas get the same",
                        buf_str(&found), low > 1 ? "them" : "it", target);
    buf_free(&found);
}

/* The image: postgres-flex (repmgr), the only flavor that clones itself. */
static void actions_ha_check_flavor(const struct fleet_cluster *c,
                                    struct action_check **v, size_t *n)
{
    static const char what[] = "image supports repmgr (postgres-flex)";

    if (c->flavor && strcmp(c->flavor, "flex") == 0)
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "postgres-flex (fly.pg-manager=repmgr)%s%s",
                        c->image_version && *c->image_version ? ", version "
                                                              : "",
                        c->image_version ? c->image_version : "");
    else
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "the image is %s%s%s, not postgres-flex (label "
                        "fly.pg-manager=repmgr): move to a postgres-flex "
                        "image first",
                        c->flavor && *c->flavor ? "\"" : "",
                        c->flavor && *c->flavor ? c->flavor
                                                : "of no known flavor",
                        c->flavor && *c->flavor ? "\"" : "");
}

/* Fewer than ACTION_HA_MEMBERS members in PRIMARY_REGION. */
static void actions_ha_check_members(const struct fleet_cluster *c,
                                     struct action_check **v, size_t *n)
{
    char what[64];
    int k = actions_region_members(c);
    const char *r =
        c->primary_region && *c->primary_region ? c->primary_region : "?";

    (void)snprintf(what, sizeof what, "fewer than %d members in %s",
                   ACTION_HA_MEMBERS, "PRIMARY_REGION");
    if (k >= ACTION_HA_MEMBERS)
        actions_ha_line(v, n, what, ACTION_CHECK_FAIL,
                        "already %d members in %s: the cluster is HA", k, r);
    else
        actions_ha_line(v, n, what, ACTION_CHECK_PASS,
                        "%d member%s in %s now; the plan adds %d", k,
                        k == 1 ? "" : "s", r, ACTION_HA_MEMBERS - k);
}

int actions_ha_checks(const struct fleet_cluster *c,
                      const struct action_args *a, struct action_preflight *pf,
                      long *memory_mb)
{
    size_t i;

    actions_ha_check_nodes(c, &pf->checks, &pf->n_checks);
    actions_ha_check_region(c, &pf->checks, &pf->n_checks);
    actions_ha_check_volume(c, &pf->checks, &pf->n_checks);
    actions_ha_check_memory(c, a, &pf->checks, &pf->n_checks, memory_mb);
    actions_ha_check_flavor(c, &pf->checks, &pf->n_checks);
    actions_ha_check_members(c, &pf->checks, &pf->n_checks);
    for (i = 0; i < pf->n_checks; i++)
        if (pf->checks[i].state == ACTION_CHECK_FAIL)
            return actions_refuse(pf, "%s", pf->checks[i].detail);
    return 0;
}

/* ---- the plan ---- */

int actions_ha(const struct fleet_cluster *c, const struct action_args *a,
               struct plan *p, struct action_preflight *pf)
{
    const struct fleet_node **order = NULL;
    const struct fleet_node *prim;
    cJSON *clone_cfg = NULL;
    long memory_mb = 0, n;
    int members, add, size_gb, prim_updated = 0, k, updated = 0;
    size_t i, nrep = 0, ri = 0;
    char which[32], suffix[16];
    int64_t catchup = a->max_lag_bytes > 0 ? a->max_lag_bytes : 0;
    int rc = -1;

    if (actions_ha_checks(c, a, pf, &memory_mb) != 0)
        return -1;
    prim = actions_primary(c);
    order = x_calloc(c->n_nodes + 1, sizeof *order);
    n = actions_rolling_order(c, NULL, order, pf);
    if (n < 0)
        goto out;
    clone_cfg = actions_config_or_refuse(prim, pf);
    if (!clone_cfg)
        goto out;
    size_gb = actions_clone_size_gb(prim, clone_cfg);
    (void)actions_ha_config(clone_cfg, memory_mb, NULL);
    members = actions_region_members(c);
    add = ACTION_HA_MEMBERS - members;
    pf->quorum_after = members + add;
    plan_set_var(p, "source", prim->id);
    for (i = 0; i < (size_t)n; i++)
        nrep += !actions_is_primary(c, order[i]);

    /* 1. The existing node(s), once each: replicas first. */
    for (i = 0; i < (size_t)n; i++) {
        const struct fleet_node *nd = order[i];
        cJSON *cfg = actions_config_or_refuse(nd, pf);
        struct buf changes = BUF_INIT;
        struct plan_step *s;

        if (!cfg)
            goto out;
        actions_which(c, nd, ri, nrep, which, sizeof which);
        ri += !actions_is_primary(c, nd);
        if (!actions_ha_config(cfg, memory_mb, &changes)) {
            cJSON_Delete(cfg);
            buf_free(&changes);
            continue;
        }
        plan_add_lease(p, nd->id);
        s = actions_step(
            p,
            x_asprintf("update %s: %s (%s)", nd->id, buf_str(&changes), which),
            "POST", x_asprintf("/apps/${app}/machines/%s", nd->id),
            actions_update_body(nd, cfg, memory_mb));
        buf_free(&changes);
        actions_mutating(s, nd->id);
        actions_wait_back(p, c, nd, actions_boot_update(p, s, nd->id));
        actions_abort_start(p, nd);
        updated++;
        prim_updated |= actions_is_primary(c, nd);
    }

    /* 2. The clones of the updated primary, one after the other. */
    actions_secrets_version_var(p, a);
    for (k = 1; k <= add; k++) {
        (void)snprintf(suffix, sizeof suffix, "_%d", k);
        actions_clone_steps(p, c, prim, cJSON_Duplicate(clone_cfg, 1),
                            c->primary_region, size_gb, suffix, catchup);
    }

    free(p->summary);
    p->summary =
        x_asprintf("make %s highly available: %d -> %d members in "
                   "%s (%s%d replica%s of %ld MB with %d GB "
                   "volumes)",
                   c->name, members, members + add, c->primary_region,
                   updated ? "update the existing nodes, add " : "add ", add,
                   add == 1 ? "" : "s", memory_mb, size_gb);
    if (prim_updated)
        plan_add_warning(p,
                         "the primary %s restarts once for the config update "
                         "(a short outage: writes stop until it is back)",
                         prim->id);
    plan_add_warning(p,
                     "cost: %d machine%s (%s-cpu-%dx, %ld MB) and %d "
                     "volume%s of %d GB added",
                     add, add == 1 ? "" : "s",
                     prim->cpu_kind && *prim->cpu_kind ? prim->cpu_kind
                                                       : "shared",
                     prim->cpus > 0 ? prim->cpus : 1, memory_mb, add,
                     add == 1 ? "" : "s", size_gb);
    plan_add_warning(p, "on failure or interruption, 'pgdeck abort' deletes "
                        "every machine and volume the plan added (the config "
                        "update stays)");
    rc = 0;
out:
    cJSON_Delete(clone_cfg);
    free(order);
    return rc;
}

/* ---- verification ---- */

int action_ha_verify(const struct fleet_cluster *c, const struct action_args *a,
                     struct action_check **checks, size_t *n)
{
    struct action_preflight pf;
    struct action_args fa;
    struct buf b = BUF_INIT;
    char lim[32], lag[32], what[96];
    const struct fleet_node *prim = actions_primary(c);
    size_t i, primaries = 0, bad = 0;
    long best;
    int k = actions_region_members(c), ok = 1;

    *checks = NULL;
    *n = 0;
    (void)snprintf(what, sizeof what, "%d members in PRIMARY_REGION",
                   ACTION_HA_MEMBERS);
    actions_ha_line(
        checks, n, what,
        k >= ACTION_HA_MEMBERS ? ACTION_CHECK_PASS : ACTION_CHECK_FAIL,
        "%d member%s in %s", k, k == 1 ? "" : "s",
        c->primary_region && *c->primary_region ? c->primary_region : "?");

    for (i = 0; i < c->n_nodes; i++)
        primaries += c->nodes[i].role == FLEET_ROLE_PRIMARY;
    if (primaries == 1 && prim)
        actions_ha_line(checks, n, "one primary", ACTION_CHECK_PASS, "%s in %s",
                        prim->id, prim->region);
    else
        actions_ha_line(checks, n, "one primary", ACTION_CHECK_FAIL,
                        "%zu nodes answer SQL as primary (roles %s)", primaries,
                        c->role_map && *c->role_map ? c->role_map : "?");

    actions_size_text(a->max_lag_bytes, lim, sizeof lim);
    (void)snprintf(what, sizeof what, "every replica streaming, lag under %s",
                   lim);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];

        if (nd == prim)
            continue;
        if ((nd->lag_state != FLEET_LAG_STREAMING &&
             nd->lag_state != FLEET_LAG_IDLE) ||
            nd->lag_replay_bytes < 0 ||
            nd->lag_replay_bytes > a->max_lag_bytes) {
            if (nd->lag_replay_bytes >= 0)
                actions_size_text(nd->lag_replay_bytes, lag, sizeof lag);
            else
                (void)snprintf(lag, sizeof lag, "unknown");
            buf_printf(&b, "%s%s %s (lag %s)", bad ? ", " : "", nd->id,
                       fleet_lag_state_name(nd->lag_state), lag);
            bad++;
        }
    }
    if (bad)
        actions_ha_line(checks, n, what, ACTION_CHECK_FAIL, "%s", buf_str(&b));
    else
        actions_ha_line(checks, n, what, ACTION_CHECK_PASS,
                        "%zu replica%s streaming", c->n_nodes - primaries,
                        c->n_nodes - primaries == 1 ? "" : "s");
    buf_free(&b);

    /* Every member as the plan left it. */
    bad = 0;
    (void)snprintf(what, sizeof what,
                   "restart always, no FLY_SCALE_TO_ZERO, at least %d MB",
                   ACTION_HA_MIN_MEMORY_MB);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];
        int known;
        char *stz = actions_ha_env(nd, "FLY_SCALE_TO_ZERO", &known);

        if (!known || stz || !nd->restart_policy ||
            strcmp(nd->restart_policy, "always") != 0 ||
            nd->memory_mb < ACTION_HA_MIN_MEMORY_MB) {
            buf_printf(&b, "%s%s: restart %s%s, %d MB", bad ? "; " : "", nd->id,
                       nd->restart_policy && *nd->restart_policy
                           ? nd->restart_policy
                           : "?",
                       !known ? ", config unknown"
                       : stz  ? ", FLY_SCALE_TO_ZERO set"
                              : "",
                       nd->memory_mb);
            bad++;
        }
        free(stz);
    }
    if (bad)
        actions_ha_line(checks, n, what, ACTION_CHECK_FAIL, "%s", buf_str(&b));
    else
        actions_ha_line(checks, n, what, ACTION_CHECK_PASS,
                        "every one of the %zu machines", c->n_nodes);
    buf_free(&b);

    /* The failover pre-flight passes for at least one candidate. */
    memset(&pf, 0, sizeof pf);
    memset(&fa, 0, sizeof fa);
    fa.kind = ACTION_FAILOVER;
    fa.max_lag_bytes = a->max_lag_bytes;
    if (actions_failover_structure(c, &pf) != 0) {
        actions_ha_line(checks, n, "a failover candidate is eligible",
                        ACTION_CHECK_FAIL, "%s", pf.reason);
    } else {
        best = actions_candidates(c, &fa, &pf);
        if (best >= 0) {
            actions_ha_line(checks, n, "a failover candidate is eligible",
                            ACTION_CHECK_PASS, "%s (%s)",
                            pf.candidates[best].id, pf.candidates[best].region);
        } else {
            for (i = 0; i < pf.n_candidates; i++)
                buf_printf(&b, "%s%s: %s", i ? "; " : "", pf.candidates[i].id,
                           pf.candidates[i].reason);
            actions_ha_line(checks, n, "a failover candidate is eligible",
                            ACTION_CHECK_FAIL, "none: %s",
                            b.len ? buf_str(&b) : "no candidate");
            buf_free(&b);
        }
    }
    action_preflight_clear(&pf);

    for (i = 0; i < *n; i++)
        ok &= (*checks)[i].state == ACTION_CHECK_PASS;
    return ok;
}
