#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_nodes: the actions that go over the nodes one at a time,
 * replicas first and the primary last (scale memory, volume extend,
 * restart).  After each node the plan waits until it is back: started,
 * every check passing, streaming again (a replica) or primary again with
 * every replica streaming (the primary).
 */

/* The update request of node N (actions_impl.h): region and name are
 * immutable, sent as they are, like flyctl's update.  A stopped machine
 * stays stopped. */
char *actions_update_body(const struct fleet_node *n, cJSON *cfg,
                          long memory_mb)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *guest = cJSON_GetObjectItemCaseSensitive(cfg, "guest");
    char *text;

    if (!cJSON_IsObject(guest)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "guest");
        guest = cJSON_AddObjectToObject(cfg, "guest");
    }
    if (cJSON_GetObjectItemCaseSensitive(guest, "memory_mb"))
        cJSON_ReplaceItemInObjectCaseSensitive(
            guest, "memory_mb", cJSON_CreateNumber((double)memory_mb));
    else
        cJSON_AddNumberToObject(guest, "memory_mb", (double)memory_mb);
    cJSON_AddItemToObject(body, "config", cfg);
    cJSON_AddStringToObject(body, "region", n->region ? n->region : "");
    cJSON_AddStringToObject(body, "name", n->name ? n->name : "");
    if (!actions_started(n))
        cJSON_AddBoolToObject(body, "skip_launch", 1);
    text = actions_json(body);
    cJSON_Delete(body);
    return text;
}

/* How many of the N nodes of ORDER are not the primary. */
static size_t actions_count_replicas(const struct fleet_cluster *c,
                                     const struct fleet_node *const *order,
                                     size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += !actions_is_primary(c, order[i]);
    return k;
}

int actions_scale_memory(const struct fleet_cluster *c,
                         const struct action_args *a, struct plan *p,
                         struct action_preflight *pf)
{
    const struct fleet_node **order = x_calloc(c->n_nodes + 1, sizeof *order);
    cJSON **cfgs = x_calloc(c->n_nodes + 1, sizeof *cfgs);
    long n = actions_rolling_order(c, a->node, order, pf);
    size_t i, k = 0, nrep, ri = 0;
    int down = 0, rc = -1;
    char why[160], which[32];

    for (i = 0; n > 0 && i < (size_t)n; i++) {
        const struct fleet_node *nd = order[i];

        if (action_memory_valid(nd->cpu_kind, nd->cpus > 0 ? nd->cpus : 1,
                                a->memory_mb, why, sizeof why) != 0) {
            actions_refuse(pf, "%s: %s", nd->id, why);
            goto out;
        }
        if (nd->memory_mb == a->memory_mb) {
            if (a->node) {
                actions_refuse(pf, "%s already has %ld MB", nd->id,
                               a->memory_mb);
                goto out;
            }
            continue;
        }
        cfgs[k] = actions_config_or_refuse(nd, pf);
        if (!cfgs[k])
            goto out;
        down |= nd->memory_mb > a->memory_mb;
        order[k++] = nd;
    }
    if (n < 0)
        goto out;
    if (k == 0) {
        actions_refuse(pf, "every node of %s already has %ld MB", c->name,
                       a->memory_mb);
        goto out;
    }
    nrep = actions_count_replicas(c, order, k);
    free(p->summary);
    p->summary =
        k == 1 ? x_asprintf("scale memory of %s: %s %d -> %ld MB", c->name,
                            order[0]->id, order[0]->memory_mb, a->memory_mb)
               : x_asprintf("scale memory of %s: %zu nodes to %ld "
                            "MB, replicas first",
                            c->name, k, a->memory_mb);
    for (i = 0; i < k; i++)
        if (actions_is_primary(c, order[i]) && actions_started(order[i])) {
            actions_snapshot_first(p, c, a,
                                   "the primary restarts with the new size");
            break;
        }
    for (i = 0; i < k; i++) {
        const struct fleet_node *nd = order[i];
        struct plan_step *s;

        actions_which(c, nd, ri, nrep, which, sizeof which);
        ri += !actions_is_primary(c, nd);
        plan_add_lease(p, nd->id);
        s = actions_step(p,
                         x_asprintf("update %s memory %d -> %ld MB (%s)",
                                    nd->id, nd->memory_mb, a->memory_mb, which),
                         "POST", x_asprintf("/apps/${app}/machines/%s", nd->id),
                         actions_update_body(nd, cfgs[i], a->memory_mb));
        cfgs[i] = NULL;
        actions_mutating(s, nd->id);
        if (actions_started(nd)) {
            actions_wait_back(p, c, nd, actions_boot_update(p, s, nd->id));
            actions_abort_start(p, nd);
        } else {
            plan_add_warning(p,
                             "%s is %s: its config is updated and it stays "
                             "%s",
                             nd->id, nd->state, nd->state);
        }
        if (actions_is_primary(c, nd) && actions_started(nd))
            plan_add_warning(p,
                             "the primary %s restarts with the update%s: "
                             "writes stop until it is back",
                             nd->id, k > 1 ? " (last)" : "");
    }
    if (down)
        plan_add_warning(p, "scaling down: lower any Postgres setting you "
                            "sized by hand for the bigger memory first");
    rc = 0;
out:
    for (i = 0; i <= c->n_nodes; i++)
        cJSON_Delete(cfgs[i]);
    free(cfgs);
    free(order);
    return rc;
}

int actions_volume_extend(const struct fleet_cluster *c,
                          const struct action_args *a, struct plan *p,
                          struct action_preflight *pf)
{
    const struct fleet_node **order = x_calloc(c->n_nodes + 1, sizeof *order);
    long n = actions_rolling_order(c, a->node, order, pf);
    size_t i, j, first, k = 0, nrep, ri = 0;
    char which[32], var[32];
    int rc = -1;

    if (n < 0)
        goto out;
    if (a->size_gb <= 0) {
        actions_refuse(pf, "the new size must be a positive number of GB "
                           "(the total, not an increment)");
        goto out;
    }
    for (i = 0; i < (size_t)n; i++) {
        const struct fleet_node *nd = order[i];
        const struct fleet_volume *v = &nd->volume;

        if (!v->id || !*v->id) {
            if (a->node) {
                actions_refuse(pf, "%s mounts no volume", nd->id);
                goto out;
            }
            continue;
        }
        if (v->size_gb <= 0) {
            actions_refuse(pf,
                           "the size of volume %s of %s is not known; wait "
                           "for a refresh",
                           v->id, nd->id);
            goto out;
        }
        if (a->size_gb < v->size_gb) {
            actions_refuse(pf,
                           "volume %s of %s is %d GB and a volume can only "
                           "grow (asked %ld GB)",
                           v->id, nd->id, v->size_gb, a->size_gb);
            goto out;
        }
        if (a->size_gb == v->size_gb) {
            if (a->node) {
                actions_refuse(pf, "volume %s of %s is already %d GB", v->id,
                               nd->id, v->size_gb);
                goto out;
            }
            continue;
        }
        order[k++] = nd;
    }
    if (k == 0) {
        actions_refuse(pf,
                       "every volume of %s is already %ld GB (or none is "
                       "mounted): nothing to extend",
                       c->name, a->size_gb);
        goto out;
    }
    nrep = actions_count_replicas(c, order, k);
    free(p->summary);
    p->summary = x_asprintf("extend %zu volume%s of %s to %ld GB", k,
                            k == 1 ? "" : "s", c->name, a->size_gb);
    for (i = 0; i < k; i++) {
        const struct fleet_node *nd = order[i];
        struct plan_step *s;
        char *body = x_asprintf("{\"size_gb\":%ld}", a->size_gb);

        actions_which(c, nd, ri, nrep, which, sizeof which);
        ri += !actions_is_primary(c, nd);
        s = actions_step(
            p,
            x_asprintf("extend volume %s of %s %d -> %ld GB (%s)",
                       nd->volume.id, nd->id, nd->volume.size_gb, a->size_gb,
                       which),
            "PUT", x_asprintf("/apps/${app}/volumes/%s/extend", nd->volume.id),
            body);
        s->mutates = 1;
        if (!actions_started(nd)) {
            plan_add_warning(p,
                             "%s is %s: Postgres sees the new size when it "
                             "starts",
                             nd->id, nd->state);
            continue;
        }
        /* The restart and the waits after it run only when the answer
         * says needs_restart (fly-machines-api.md §4.2, §9.4). */
        (void)snprintf(var, sizeof var, "restart_%zu", i + 1);
        (void)plan_set_var(p, var, NULL);
        s->capture = PLAN_CAPTURE_NEEDS_RESTART;
        s->capture_var = x_strdup(var);
        first = p->n_steps;
        plan_add_lease(p, nd->id);
        s = actions_step(p,
                         x_asprintf("restart %s so that it uses the new size "
                                    "(%s)",
                                    nd->id, which),
                         "POST",
                         x_asprintf("/apps/${app}/machines/%s/restart", nd->id),
                         NULL);
        actions_mutating(s, nd->id);
        actions_wait_back(p, c, nd, actions_boot_restart(p, s, nd->id));
        for (j = first; j < p->n_steps; j++)
            p->steps[j].needs = x_strdup(var);
        actions_abort_start(p, nd);
        if (actions_is_primary(c, nd))
            plan_add_warning(p,
                             "the primary %s restarts%s when the platform "
                             "says it must: writes stop until it is back",
                             nd->id, k > 1 ? " last" : "");
    }
    rc = 0;
out:
    free(order);
    return rc;
}

int actions_restart(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf)
{
    const struct fleet_node **order = x_calloc(c->n_nodes + 1, sizeof *order);
    long n = actions_rolling_order(c, a->node, order, pf);
    size_t i, nrep, ri = 0;
    char which[32];

    if (n < 0) {
        free(order);
        return -1;
    }
    nrep = actions_count_replicas(c, order, (size_t)n);
    free(p->summary);
    p->summary = a->node ? x_asprintf("restart %s of %s", order[0]->id, c->name)
                         : x_asprintf("restart %s: %ld nodes, replicas first",
                                      c->name, n);
    /* One replica of a cluster with a known primary: reversible, low risk
     * (anchors §11.5).  Anything else stops writes or may. */
    if (n == 1 && actions_primary(c) && !actions_is_primary(c, order[0]) &&
        order[0]->role == FLEET_ROLE_REPLICA)
        p->risk = PLAN_RISK_LOW;
    for (i = 0; i < (size_t)n; i++) {
        const struct fleet_node *nd = order[i];
        struct plan_step *s;
        int started = actions_started(nd);

        actions_which(c, nd, ri, nrep, which, sizeof which);
        ri += !actions_is_primary(c, nd);
        plan_add_lease(p, nd->id);
        s = actions_step(p,
                         started ? x_asprintf("restart %s (%s)", nd->id, which)
                                 : x_asprintf("start %s (%s; it is %s)", nd->id,
                                              which, nd->state),
                         "POST",
                         x_asprintf("/apps/${app}/machines/%s/%s", nd->id,
                                    started ? "restart" : "start"),
                         NULL);
        actions_mutating(s, nd->id);
        /* Resumed after the answer was lost: restart only when the
         * platform did not (a start is safe to send again). */
        if (started)
            actions_check(s, "GET",
                          x_asprintf("/apps/${app}/machines/%s", nd->id), NULL,
                          PLAN_COND_EVENT_SINCE, "restart");
        /* A start's answer names no instance either; its waits count from
         * it as a restart's do. */
        actions_wait_back(p, c, nd, actions_boot_restart(p, s, nd->id));
        actions_abort_start(p, nd);
        if (actions_is_primary(c, nd))
            plan_add_warning(p,
                             "the primary %s restarts%s: writes stop until it "
                             "is back",
                             nd->id, n > 1 ? " last" : "");
    }
    free(order);
    return 0;
}
