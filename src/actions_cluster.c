#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_cluster: a whole cluster at once.  Create is flyctl's launcher
 * (flypg/launcher.go) as Machines API calls: the app (role
 * postgres_cluster), then per node a pg_data volume and a machine with the
 * flex config (PRIMARY_REGION, the pg/role/vm checks, metrics, the two
 * services, restart always), one node after the other: the first
 * initialises the cluster, the next ones clone it.  Destroy stops and
 * deletes every machine (replicas first), every volume, then the app.
 *
 * Presets (keep memory modest: the local platform runs many nodes on one
 * host):
 *   development  1 node, shared-cpu-1x, 256 MB, 1 GB volume (flyctl's
 *                "Development - Single node")
 *   ha           3 nodes, shared-cpu-1x, 1024 MB, 10 GB volumes (flyctl's
 *                HA presets have 3 nodes; memory kept at 1 GB here)
 */

#define ACTIONS_MAX_VOLUME_GB 500 /* Fly's limit of one volume */

struct actions_preset {
    const char *name;
    int nodes;
    long memory_mb;
    long size_gb;
};

static const struct actions_preset actions_presets[] = {
    [ACTION_PRESET_DEVELOPMENT] = {"development", 1, 256, 1},
    [ACTION_PRESET_HA] = {"ha", 3, 1024, 10},
};

static cJSON *actions_check_def(const char *what);
static cJSON *actions_service(int port);
static cJSON *actions_pg_config(const char *image, const char *region,
                                long memory_mb, const char *volume,
                                const char *tag);

int actions_app_name_ok(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;

    if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

static cJSON *actions_check_def(const char *what)
{
    cJSON *k = cJSON_CreateObject();
    char *path = x_asprintf("/flycheck/%s", what);

    cJSON_AddStringToObject(k, "type", "http");
    cJSON_AddNumberToObject(k, "port", 5500);
    cJSON_AddStringToObject(k, "path", path);
    cJSON_AddStringToObject(k, "interval", "15s");
    cJSON_AddStringToObject(k, "timeout", "10s");
    free(path);
    return k;
}

static cJSON *actions_service(int port)
{
    cJSON *s = cJSON_CreateObject(), *ports, *p, *h, *cc;

    cJSON_AddStringToObject(s, "protocol", "tcp");
    cJSON_AddNumberToObject(s, "internal_port", port);
    ports = cJSON_AddArrayToObject(s, "ports");
    p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "port", port);
    h = cJSON_AddArrayToObject(p, "handlers");
    cJSON_AddItemToArray(h, cJSON_CreateString("pg_tls"));
    cJSON_AddItemToArray(ports, p);
    cc = cJSON_AddObjectToObject(s, "concurrency");
    cJSON_AddStringToObject(cc, "type", "connections");
    cJSON_AddNumberToObject(cc, "hard_limit", 1000);
    cJSON_AddNumberToObject(cc, "soft_limit", 1000);
    return s;
}

/* The flex machine config (reference §6.3, §6.4) mounting VOLUME (a
 * template) at /data, tagged TAG.  Owned. */
static cJSON *actions_pg_config(const char *image, const char *region,
                                long memory_mb, const char *volume,
                                const char *tag)
{
    cJSON *c = cJSON_CreateObject(), *o, *mounts, *mt, *checks, *svc;

    cJSON_AddStringToObject(c, "image", image);
    o = cJSON_AddObjectToObject(c, "env");
    cJSON_AddStringToObject(o, "PRIMARY_REGION", region);
    cJSON_AddObjectToObject(c, "init");
    o = cJSON_AddObjectToObject(c, "guest");
    cJSON_AddStringToObject(o, "cpu_kind", "shared");
    cJSON_AddNumberToObject(o, "cpus", 1);
    cJSON_AddNumberToObject(o, "memory_mb", (double)memory_mb);
    o = cJSON_AddObjectToObject(c, "metadata");
    cJSON_AddStringToObject(o, "fly-managed-postgres", "true");
    cJSON_AddStringToObject(o, "fly_platform_version", "v2");
    cJSON_AddStringToObject(o, "managed-by-fly-deploy", "true");
    cJSON_AddStringToObject(o, PLAN_TAG_KEY, tag);
    mounts = cJSON_AddArrayToObject(c, "mounts");
    mt = cJSON_CreateObject();
    cJSON_AddStringToObject(mt, "volume", volume);
    cJSON_AddStringToObject(mt, "path", "/data");
    cJSON_AddItemToArray(mounts, mt);
    checks = cJSON_AddObjectToObject(c, "checks");
    cJSON_AddItemToObject(checks, "pg", actions_check_def("pg"));
    cJSON_AddItemToObject(checks, "role", actions_check_def("role"));
    cJSON_AddItemToObject(checks, "vm", actions_check_def("vm"));
    o = cJSON_AddObjectToObject(c, "metrics");
    cJSON_AddNumberToObject(o, "port", 9187);
    cJSON_AddStringToObject(o, "path", "/metrics");
    o = cJSON_AddObjectToObject(c, "restart");
    cJSON_AddStringToObject(o, "policy", "always");
    svc = cJSON_AddArrayToObject(c, "services");
    cJSON_AddItemToArray(svc, actions_service(5432));
    cJSON_AddItemToArray(svc, actions_service(5433));
    return c;
}

int actions_create(const struct action_args *a, struct plan *p,
                   struct action_preflight *pf)
{
    const struct actions_preset *ps =
        &actions_presets[a->preset == ACTION_PRESET_HA
                             ? ACTION_PRESET_HA
                             : ACTION_PRESET_DEVELOPMENT];
    const char *image = a->image && *a->image ? a->image : "${image}";
    const char *org = a->org && *a->org ? a->org : "personal";
    long memory = a->memory_mb > 0 ? a->memory_mb : ps->memory_mb;
    long size = a->size_gb > 0 ? a->size_gb : ps->size_gb;
    char why[160];
    cJSON *o;
    /* The new cluster, for the names of its nodes (no node known yet). */
    struct fleet_cluster nc;
    const struct fleet_cluster *c = &nc;
    struct plan_step *s;
    int i;

    memset(&nc, 0, sizeof nc);
    nc.name = p->cluster;
    if (!actions_app_name_ok(a->cluster))
        return actions_refuse(pf,
                              "\"%s\" is not a valid app name: use 1 to 63 "
                              "lowercase letters, digits and dashes",
                              a->cluster ? a->cluster : "");
    if (!a->region || !*a->region)
        return actions_refuse(pf, "create needs the primary region (--region, "
                                  "like iad)");
    if (strlen(a->region) < 2 || strlen(a->region) > 8 ||
        strspn(a->region, "abcdefghijklmnopqrstuvwxyz0123456789") !=
            strlen(a->region))
        return actions_refuse(pf, "\"%s\" is not a region code (like iad)",
                              a->region);
    if (action_memory_valid("shared", 1, memory, why, sizeof why) != 0)
        return actions_refuse(pf, "%s", why);
    if (a->size_gb < 0 || size > ACTIONS_MAX_VOLUME_GB)
        return actions_refuse(pf,
                              "the volume size must be 1 to %d GB (asked "
                              "%ld GB)",
                              ACTIONS_MAX_VOLUME_GB, a->size_gb);

    free(p->summary);
    p->summary =
        x_asprintf("create %s: %s preset, %d node%s in %s "
                   "(shared-cpu-1x, %ld MB, %ld GB volume%s)",
                   a->cluster, ps->name, ps->nodes, ps->nodes == 1 ? "" : "s",
                   a->region, memory, size, ps->nodes == 1 ? "" : "s");
    pf->quorum_before = 0;
    pf->quorum_after = ps->nodes;
    plan_set_var(p, "app_id", NULL);
    if (ps->nodes > 1)
        plan_add_warning(p, "the nodes start one after the other: the first "
                            "initialises the cluster, the others clone it");

    actions_app_step(p, a->cluster, org);
    if (!a->image || !*a->image)
        actions_image_step(p);
    actions_secrets_steps(p, a->cluster, NULL);

    for (i = 1; i <= ps->nodes; i++) {
        char vol[16], node[16], volt[24], nodet[24];
        char *tag;

        (void)snprintf(vol, sizeof vol, "vol_%d", i);
        (void)snprintf(node, sizeof node, "node_%d", i);
        (void)snprintf(volt, sizeof volt, "${%s}", vol);
        (void)snprintf(nodet, sizeof nodet, "${%s}", node);
        plan_set_var(p, vol, NULL);
        plan_set_var(p, node, NULL);

        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", "pg_data");
        cJSON_AddStringToObject(o, "region", a->region);
        cJSON_AddNumberToObject(o, "size_gb", (double)size);
        cJSON_AddBoolToObject(o, "encrypted", 1);
        cJSON_AddBoolToObject(o, "require_unique_zone", 1);
        s = actions_step(p,
                         x_asprintf("create the volume of node %d of %d (%ld "
                                    "GB in %s)",
                                    i, ps->nodes, size, a->region),
                         "POST", x_strdup("/apps/${app}/volumes"),
                         actions_json(o));
        cJSON_Delete(o);
        s->mutates = 1;
        s->capture = PLAN_CAPTURE_ID;
        s->capture_var = x_strdup(vol);
        s->reconcile = PLAN_RECONCILE_FIND_VOLUME;

        tag = x_asprintf("%s/%zu", p->id, p->n_steps + 1);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "region", a->region);
        cJSON_AddItemToObject(
            o, "config",
            actions_pg_config(image, a->region, memory, volt, tag));
        cJSON_AddBoolToObject(o, "skip_secrets", 0);
        actions_min_secrets(o);
        s = actions_step(p,
                         x_asprintf("create the machine of node %d of %d in "
                                    "%s (%s)",
                                    i, ps->nodes, a->region,
                                    i == 1 ? "it initialises the cluster"
                                           : "it clones the first node"),
                         "POST", x_strdup("/apps/${app}/machines"),
                         actions_json(o));
        cJSON_Delete(o);
        s->mutates = 1;
        s->capture = PLAN_CAPTURE_ID;
        s->capture_var = x_strdup(node);
        s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
        s->tag = tag;

        actions_wait_machine(
            p, x_asprintf("wait for node %d %s to be started", i, nodet), nodet,
            PLAN_COND_MACHINE_STATE, "started", ACTIONS_WAIT_START_MS);
        actions_wait_machine(p,
                             x_asprintf("wait for every check of node %d %s "
                                        "to pass",
                                        i, nodet),
                             nodet, PLAN_COND_CHECKS_PASSING, NULL,
                             i == 1 ? ACTIONS_WAIT_CHECKS_MS
                                    : ACTIONS_CLONE_MIN_MS);
        if (i == 1)
            actions_wait_machine(p,
                                 x_strdup("wait for the role check of node 1 "
                                          "${node_1} to say primary"),
                                 "${node_1}", PLAN_COND_ROLE, "primary",
                                 ACTIONS_WAIT_ROLE_MS);
        else
            actions_wait_streaming(p, c,
                                   x_asprintf("wait for node %d %s to stream "
                                              "from ${node_1}",
                                              i, nodet),
                                   "${node_1}", nodet);
    }

    /* Abort: nothing of the new cluster left behind (the app only when
     * this plan created it). */
    for (i = ps->nodes; i >= 1; i--) {
        char need[24];

        (void)snprintf(need, sizeof need, "node_%d", i);
        s = actions_abort_step(
            p, x_asprintf("delete the machine of node %d ${%s}", i, need),
            "DELETE",
            x_asprintf("/apps/${app}/machines/${%s}?force=true", need), NULL);
        s->mutates = 1;
        s->needs = x_strdup(need);
        s = actions_abort_step(
            p, x_asprintf("wait for ${%s} to be gone", need), "GET",
            x_asprintf("/apps/${app}/machines/${%s}", need), NULL);
        s->kind = PLAN_STEP_WAIT;
        s->cond = PLAN_COND_GONE;
        s->timeout_ms = ACTIONS_WAIT_GONE_MS;
        s->needs = x_strdup(need);
        (void)snprintf(need, sizeof need, "vol_%d", i);
        s = actions_abort_step(
            p, x_asprintf("delete the volume of node %d ${%s}", i, need),
            "DELETE", x_asprintf("/apps/${app}/volumes/${%s}", need), NULL);
        s->mutates = 1;
        s->needs = x_strdup(need);
    }
    s = actions_abort_step(p, x_asprintf("delete the app %s", a->cluster),
                           "DELETE", x_strdup("/apps/${app}"), NULL);
    s->mutates = 1;
    s->needs = x_strdup("app_id");
    return 0;
}

int actions_destroy(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf)
{
    const struct fleet_node *prim = actions_primary(c);
    const struct fleet_node **order = x_calloc(c->n_nodes + 1, sizeof *order);
    size_t i, k = 0, nvol = 0;
    struct plan_step *s;

    (void)a;
    for (i = 0; i < c->n_nodes; i++)
        if (&c->nodes[i] != prim)
            order[k++] = &c->nodes[i];
    if (prim)
        order[k++] = prim;
    for (i = 0; i < k; i++)
        nvol += order[i]->volume.id && *order[i]->volume.id;
    nvol += c->n_spare_volumes;
    pf->quorum_after = 0;
    free(p->summary);
    p->summary =
        x_asprintf("destroy %s: %zu machine%s, %zu volume%s and the "
                   "app",
                   c->name, k, k == 1 ? "" : "s", nvol, nvol == 1 ? "" : "s");
    plan_add_warning(p,
                     "every machine and volume of %s is deleted, then the "
                     "app: the data is gone for good",
                     c->name);

    for (i = 0; i < k; i++) {
        const struct fleet_node *n = order[i];

        plan_add_lease(p, n->id);
        if (actions_started(n)) {
            s = actions_step(
                p,
                x_asprintf("stop %s (%s)", n->id,
                           n == prim ? "the primary, last" : "a replica"),
                "POST", x_asprintf("/apps/${app}/machines/%s/stop", n->id),
                NULL);
            actions_mutating(s, n->id);
            actions_wait_machine(
                p, x_asprintf("wait for %s to be stopped", n->id), n->id,
                PLAN_COND_MACHINE_STATE, "stopped", ACTIONS_WAIT_STOP_MS);
        }
        s = actions_step(
            p, x_asprintf("delete the machine %s", n->id), "DELETE",
            x_asprintf("/apps/${app}/machines/%s?force=true", n->id), NULL);
        actions_mutating(s, n->id);
        actions_check(s, "GET", x_asprintf("/apps/${app}/machines/%s", n->id),
                      NULL, PLAN_COND_GONE, NULL);
        actions_wait_machine(p, x_asprintf("wait for %s to be gone", n->id),
                             n->id, PLAN_COND_GONE, NULL, ACTIONS_WAIT_GONE_MS);
        actions_abort_start(p, n);
    }
    for (i = 0; i < k + c->n_spare_volumes; i++) {
        const char *vid =
            i < k ? order[i]->volume.id : c->spare_volumes[i - k].id;

        if (!vid || !*vid)
            continue;
        s = actions_step(p, x_asprintf("delete the volume %s", vid), "DELETE",
                         x_asprintf("/apps/${app}/volumes/%s", vid), NULL);
        s->mutates = 1;
        actions_check(s, "GET", x_asprintf("/apps/${app}/volumes/%s", vid),
                      NULL, PLAN_COND_GONE, NULL);
    }
    s = actions_step(p, x_asprintf("delete the app %s", c->name), "DELETE",
                     x_strdup("/apps/${app}"), NULL);
    s->mutates = 1;
    actions_check(s, "GET", x_strdup("/apps/${app}"), NULL, PLAN_COND_GONE,
                  NULL);
    free(order);
    return 0;
}
