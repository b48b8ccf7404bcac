#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_snapshot: volume snapshots as plans.  A snapshot on demand (one
 * POST, the snapshot's id kept when the answer names it), the same step
 * first in the plans that can lose data, and the restore of a snapshot
 * into a new single-node cluster (fly-machines-api.md §4.1, §4.3: a volume
 * created with snapshot_id, then a machine mounting it).
 */

/* The POST of a snapshot of volume VOL (of node NODE), titled TITLE. */
static struct plan_step *actions_snapshot_step(struct plan *p, char *title,
                                               const char *vol)
{
    struct plan_step *s = actions_step(
        p, title, "POST", x_asprintf("/apps/${app}/volumes/%s/snapshots", vol),
        NULL);

    plan_set_var(p, "snapshot", NULL);
    s->capture = PLAN_CAPTURE_SNAPSHOT_ID;
    s->capture_var = x_strdup("snapshot");
    s->timeout_ms = PLAN_HTTP_TIMEOUT_MS;
    return s;
}

void actions_snapshot_first(struct plan *p, const struct fleet_cluster *c,
                            const struct action_args *a, const char *why)
{
    const struct fleet_node *prim = actions_primary(c);

    if (a->no_snapshot) {
        plan_add_warning(p, "no snapshot is taken first (--no-snapshot): "
                            "the newest one is the way back");
        return;
    }
    if (!prim || !prim->volume.id || !*prim->volume.id) {
        plan_add_warning(p, "no snapshot first: %s",
                         prim ? "the primary mounts no known volume"
                              : "no primary known");
        return;
    }
    /* Not a mutation: when it fails the plan stops with nothing changed. */
    actions_snapshot_step(p,
                          x_asprintf("snapshot the primary's volume %s (%s) "
                                     "first: %s",
                                     prim->volume.id, prim->id, why),
                          prim->volume.id);
}

int actions_snapshot(const struct fleet_cluster *c, const struct action_args *a,
                     struct plan *p, struct action_preflight *pf)
{
    const struct fleet_node *n;
    struct plan_step *s;

    if (a->node) {
        n = actions_node_or_refuse(c, a->node, pf);
        if (!n)
            return -1;
    } else {
        n = actions_primary(c);
        if (!n)
            return actions_refuse(pf,
                                  "no primary known in %s: choose the "
                                  "node (--node ID)",
                                  c->name);
    }
    if (!n->volume.id || !*n->volume.id)
        return actions_refuse(pf, "%s mounts no volume: nothing to snapshot",
                              n->id);
    p->risk = PLAN_RISK_LOW;
    free(p->summary);
    p->summary = x_asprintf("snapshot %s: volume %s of %s (%s)", c->name,
                            n->volume.id, n->id, fleet_role_name(n->role));
    s = actions_snapshot_step(
        p, x_asprintf("snapshot the volume %s of %s", n->volume.id, n->id),
        n->volume.id);
    s->mutates = 1;
    return 0;
}

/* The node of C whose volume is VOL, or NULL. */
static const struct fleet_node *
actions_volume_node(const struct fleet_cluster *c, const char *vol)
{
    size_t i;

    for (i = 0; vol && i < c->n_nodes; i++)
        if (c->nodes[i].volume.id && strcmp(c->nodes[i].volume.id, vol) == 0)
            return &c->nodes[i];
    return NULL;
}

/* Sets env.PRIMARY_REGION of CFG to REGION: the restored node is the
 * primary of its cluster, wherever the source's primary was. */
static void actions_env_region(cJSON *cfg, const char *region)
{
    cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env");

    if (!cJSON_IsObject(env)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "env");
        env = cJSON_AddObjectToObject(cfg, "env");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(env, "PRIMARY_REGION");
    cJSON_AddStringToObject(env, "PRIMARY_REGION", region);
}

int actions_restore(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf)
{
    const char *org = a->org && *a->org ? a->org : "personal";
    const struct fleet_node *n;
    const cJSON *mount, *name;
    cJSON *cfg, *o, *body;
    char *image, *tag, *vname, *region;
    struct plan_step *s;
    int size_gb;

    if (!a->snapshot || !*a->snapshot)
        return actions_refuse(pf, "which snapshot? (pgdeck snapshot list %s)",
                              c->name);
    if (!actions_app_name_ok(a->as))
        return actions_refuse(pf,
                              "\"%s\" is not a valid app name for the new "
                              "cluster: use 1 to 63 lowercase letters, digits "
                              "and dashes",
                              a->as ? a->as : "");
    if (strcmp(a->as, c->name) == 0)
        return actions_refuse(pf, "the restore makes a new cluster: name it "
                                  "something other than the source");
    n = actions_volume_node(c, a->snapshot_volume);
    if (!n)
        return actions_refuse(pf,
                              "snapshot %s is of volume %s, which no node of "
                              "%s mounts now: its machine config is not known",
                              a->snapshot,
                              a->snapshot_volume ? a->snapshot_volume : "?",
                              c->name);
    cfg = actions_config_or_refuse(n, pf);
    if (!cfg)
        return -1;
    mount =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    if (!cJSON_IsObject(mount)) {
        cJSON_Delete(cfg);
        return actions_refuse(pf, "the config of %s mounts no volume", n->id);
    }
    name = cJSON_GetObjectItemCaseSensitive(mount, "name");
    vname = x_strdup(
        cJSON_IsString(name) && *name->valuestring
            ? name->valuestring
            : (n->volume.name && *n->volume.name ? n->volume.name : "pg_data"));
    region = x_strdup(n->volume.region && *n->volume.region ? n->volume.region
                                                            : n->region);
    size_gb = actions_clone_size_gb(n, cfg);

    p->risk = PLAN_RISK_LOW;
    free(p->summary);
    p->summary = x_asprintf("restore %s of %s as %s: 1 node in %s (%d GB)",
                            a->snapshot, c->name, a->as, region, size_gb);
    pf->quorum_before = 0;
    pf->quorum_after = 1;
    plan_add_warning(p,
                     "%s is only read: the restore is a new cluster %s with "
                     "the data of the snapshot (volume %s of %s)",
                     c->name, a->as, a->snapshot_volume, n->id);
    plan_set_var(p, "app_id", NULL);
    plan_set_var(p, "new_volume", NULL);
    plan_set_var(p, "new_machine", NULL);

    actions_app_step(p, a->as, org);
    actions_secrets_steps(p, a->as, a->snapshot);

    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", vname);
    cJSON_AddStringToObject(o, "region", region);
    cJSON_AddNumberToObject(o, "size_gb", size_gb);
    cJSON_AddStringToObject(o, "snapshot_id", a->snapshot);
    cJSON_AddBoolToObject(o, "encrypted", 1);
    s = actions_step(p,
                     x_asprintf("create a volume from snapshot %s (%d GB in "
                                "%s)",
                                a->snapshot, size_gb, region),
                     "POST", x_strdup("/apps/${app}/volumes"), actions_json(o));
    cJSON_Delete(o);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("new_volume");
    s->reconcile = PLAN_RECONCILE_FIND_VOLUME;
    s = actions_step(p,
                     x_strdup("wait for the volume ${new_volume} to be "
                              "restored (state created)"),
                     "GET", x_strdup("/apps/${app}/volumes/${new_volume}"),
                     NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_VOLUME_STATE;
    s->cond_arg = x_strdup("created");
    s->timeout_ms = ACTIONS_CLONE_MIN_MS;

    tag = x_asprintf("%s/%zu", p->id, p->n_steps + 1);
    image = actions_clone_config(n, cfg, "new_volume", tag);
    actions_env_region(cfg, region);
    body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "region", region);
    cJSON_AddItemToObject(body, "config", cfg);
    cJSON_AddBoolToObject(body, "skip_secrets", 0);
    actions_min_secrets(body);
    s = actions_step(p,
                     x_asprintf("create the machine of %s in %s (the config "
                                "of %s, image %s), mounting ${new_volume}",
                                a->as, region, n->id, image),
                     "POST", x_strdup("/apps/${app}/machines"),
                     actions_json(body));
    cJSON_Delete(body);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("new_machine");
    s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
    s->tag = tag;
    free(image);

    actions_wait_machine(p, x_strdup("wait for ${new_machine} to be started"),
                         "${new_machine}", PLAN_COND_MACHINE_STATE, "started",
                         ACTIONS_WAIT_START_MS);
    actions_wait_machine(p,
                         x_strdup("wait for every check of ${new_machine} to "
                                  "pass"),
                         "${new_machine}", PLAN_COND_CHECKS_PASSING, NULL,
                         ACTIONS_WAIT_CHECKS_MS);
    actions_wait_machine(p,
                         x_strdup("wait for the role check of ${new_machine} "
                                  "to say primary"),
                         "${new_machine}", PLAN_COND_ROLE, "primary",
                         ACTIONS_WAIT_ROLE_MS);

    /* Abort: nothing of the new cluster left behind. */
    s = actions_abort_step(
        p, x_strdup("delete the machine ${new_machine}"), "DELETE",
        x_strdup("/apps/${app}/machines/${new_machine}?force=true"), NULL);
    s->mutates = 1;
    s->needs = x_strdup("new_machine");
    s = actions_abort_step(
        p, x_strdup("wait for ${new_machine} to be gone"), "GET",
        x_strdup("/apps/${app}/machines/${new_machine}"), NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_GONE;
    s->timeout_ms = ACTIONS_WAIT_GONE_MS;
    s->needs = x_strdup("new_machine");
    s = actions_abort_step(
        p, x_strdup("delete the volume ${new_volume}"), "DELETE",
        x_strdup("/apps/${app}/volumes/${new_volume}"), NULL);
    s->mutates = 1;
    s->needs = x_strdup("new_volume");
    s = actions_abort_step(p, x_asprintf("delete the app %s", a->as), "DELETE",
                           x_strdup("/apps/${app}"), NULL);
    s->mutates = 1;
    s->needs = x_strdup("app_id");
    free(vname);
    free(region);
    return 0;
}
