#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_replica: add a replica the way `fly machine clone` does (a new
 * volume, a machine with the primary's config, the image pinned), and
 * remove one the way flyctl's destroy hook does, with exec in place of SSH
 * (stop it, unregister it from repmgr on the primary, drop its slot,
 * delete the machine and its volume).  The clone steps are shared with the
 * HA conversion (actions_clone_steps).
 */

#define ACTIONS_REPMGR_CONF "/data/repmgr.conf"

static int actions_region_ok(const char *r);
static char *actions_pinned_image(const struct fleet_node *src,
                                  const cJSON *cfg);
static char *actions_node_id_body(const struct fleet_cluster *c,
                                  const char *machine);
static void actions_guard(struct plan_step *s, int abort);
static void actions_unregister_step(struct plan *p, const char *primary,
                                    const char *node_var, int abort);
static void actions_drop_slot_step(struct plan *p, const char *primary,
                                   const char *node_var, int abort);
static void actions_clone_mounts(cJSON *cfg, const char *path,
                                 const char *volume_var);
static void actions_set_string(cJSON *o, const char *key, const char *value);

/* A region code: 2 to 8 of [a-z0-9]. */
static int actions_region_ok(const char *r)
{
    size_t i, n = r ? strlen(r) : 0;

    if (n < 2 || n > 8)
        return 0;
    for (i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9')))
            return 0;
    return 1;
}

/* The source's image pinned to its digest (flyctl's FullImageRef): as it
 * is when it already names one, else "<image>@<image_ref.digest>" when the
 * digest is known, else as it is.  Owned. */
static char *actions_pinned_image(const struct fleet_node *src,
                                  const cJSON *cfg)
{
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(cfg, "image");
    const char *s = cJSON_IsString(img) ? img->valuestring : src->image;

    if (!s)
        s = "";
    if (strchr(s, '@') || !src->image_digest || !*src->image_digest)
        return x_strdup(s);
    return x_asprintf("%s@%s", s, src->image_digest);
}

/* An abort step that must not fail on the way to a destroy: a guard, not
 * best effort (plan.h). */
static void actions_guard(struct plan_step *s, int abort)
{
    if (abort) {
        s->best_effort = 0;
        s->guard = 1;
    }
}

/* An exec that prints the repmgr node id of MACHINE (a template), or
 * nothing when it is not registered (the variable then stays unset and
 * there is nothing to unregister).  It fails only when the primary could
 * not be asked: then nothing may be destroyed (audit point C2). */
static char *actions_node_id_body(const struct fleet_cluster *c,
                                  const char *machine)
{
    char *pred = actions_name_pred(c, "node_name", machine);
    char *sql = x_asprintf("select node_id from repmgr.nodes where %s", pred);
    const char *argv[] = {"psql", "-d", "repmgr", "-Atc", sql, NULL};
    char *body = actions_exec_body(argv, ACTIONS_EXEC_TIMEOUT_S);

    free(sql);
    free(pred);
    return body;
}

/*
 * Unregisters, on PRIMARY, the repmgr node whose id is in variable NODE_VAR
 * (skipped while it is unset).  An abort step (ABORT) is a guard: when it
 * fails the abort stops there, before the machine is destroyed.
 */
static void actions_unregister_step(struct plan *p, const char *primary,
                                    const char *node_var, int abort)
{
    char *opt = x_asprintf("--node-id=${%s}", node_var);
    const char *un[] = {"repmgr", "standby",           "unregister",
                        "-f",     ACTIONS_REPMGR_CONF, opt,
                        NULL};
    char *probe_sql = x_asprintf(
        "select count(*) from repmgr.nodes where node_id = ${%s}", node_var);
    const char *probe[] = {"psql", "-d", "repmgr", "-Atc", probe_sql, NULL};
    char *t1 = x_asprintf("unregister repmgr node ${%s} on the primary %s",
                          node_var, primary);
    struct plan_step *s;

    s = (abort ? actions_abort_step
               : actions_step)(p, t1, "POST", actions_exec_path(primary),
                               actions_exec_body(un, ACTIONS_REPMGR_TIMEOUT_S));
    s->mutates = 1;
    s->needs = x_strdup(node_var);
    actions_guard(s, abort);
    /* A second unregister fails ("not found"): done when the node is gone. */
    actions_check(s, "POST", actions_exec_path(primary),
                  actions_exec_body(probe, ACTIONS_EXEC_TIMEOUT_S),
                  PLAN_COND_EXEC_STDOUT, "0");
    free(opt);
    free(probe_sql);
}

/* Drops, on PRIMARY, the slot of the node whose id is in NODE_VAR when it
 * is still there (skipped while NODE_VAR is unset; a guard in an abort). */
static void actions_drop_slot_step(struct plan *p, const char *primary,
                                   const char *node_var, int abort)
{
    char *drop_sql =
        x_asprintf("select count(pg_drop_replication_slot(slot_name)) from "
                   "pg_replication_slots where slot_name = 'repmgr_slot_${%s}'",
                   node_var);
    const char *drop[] = {"psql", "-Atc", drop_sql, NULL};
    char *t2 = x_asprintf("drop the replication slot repmgr_slot_${%s} on the "
                          "primary %s if it is there",
                          node_var, primary);
    struct plan_step *s;

    s = (abort ? actions_abort_step
               : actions_step)(p, t2, "POST", actions_exec_path(primary),
                               actions_exec_body(drop, ACTIONS_EXEC_TIMEOUT_S));
    s->mutates = 1;
    s->needs = x_strdup(node_var);
    actions_guard(s, abort);
    free(drop_sql);
}

/* config.mounts of the clone: the new volume (the value of variable
 * VOLUME_VAR) at the source's path, with
 * the source's auto-extend settings (flyctl clone). */
static void actions_clone_mounts(cJSON *cfg, const char *path,
                                 const char *volume_var)
{
    static const char *const keep[] = {"extend_threshold_percent",
                                       "add_size_gb", "size_gb_limit"};
    const cJSON *old =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    cJSON *mounts = cJSON_CreateArray(), *mt = cJSON_CreateObject();
    char *ref = x_asprintf("${%s}", volume_var);
    size_t i;

    cJSON_AddStringToObject(mt, "volume", ref);
    free(ref);
    cJSON_AddStringToObject(mt, "path", path);
    for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(old, keep[i]);

        if (v)
            cJSON_AddItemToObject(mt, keep[i], cJSON_Duplicate(v, 1));
    }
    cJSON_AddItemToArray(mounts, mt);
    if (cJSON_GetObjectItemCaseSensitive(cfg, "mounts"))
        cJSON_ReplaceItemInObjectCaseSensitive(cfg, "mounts", mounts);
    else
        cJSON_AddItemToObject(cfg, "mounts", mounts);
}

/* Sets string member KEY of object O (created when missing) to VALUE. */
static void actions_set_string(cJSON *o, const char *key, const char *value)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key,
                                               cJSON_CreateString(value));
    else
        cJSON_AddStringToObject(o, key, value);
}

char *actions_clone_config(const struct fleet_node *src, cJSON *cfg,
                           const char *volume_var, const char *tag)
{
    const cJSON *mount =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(mount, "path");
    char *image = actions_pinned_image(src, cfg);
    char *mpath =
        x_strdup(cJSON_IsString(path) && *path->valuestring ? path->valuestring
                                                            : "/data");
    cJSON *md;

    actions_set_string(cfg, "image", image);
    actions_clone_mounts(cfg, mpath, volume_var);
    free(mpath);
    md = cJSON_GetObjectItemCaseSensitive(cfg, "metadata");
    if (!cJSON_IsObject(md)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "metadata");
        md = cJSON_AddObjectToObject(cfg, "metadata");
    }
    actions_set_string(md, PLAN_TAG_KEY, tag);
    return image;
}

void actions_clone_steps(struct plan *p, const struct fleet_cluster *c,
                         const struct fleet_node *src, cJSON *cfg,
                         const char *region, int size_gb, const char *suffix,
                         int64_t catchup_bytes)
{
    cJSON *mount, *vol, *body;
    const cJSON *name, *enc;
    char *image, *tag, *v_vol, *v_mach, *v_nid, *ref_mach, *lbl;
    int64_t clone_ms;
    struct plan_step *s;

    v_vol = x_asprintf("new_volume%s", suffix);
    v_mach = x_asprintf("new_machine%s", suffix);
    v_nid = x_asprintf("new_node_id%s", suffix);
    ref_mach = x_asprintf("${%s}", v_mach);
    lbl = *suffix ? x_asprintf(" %s", suffix + 1) : x_strdup("");
    plan_set_var(p, v_vol, NULL);
    plan_set_var(p, v_mach, NULL);
    plan_set_var(p, v_nid, NULL);
    mount =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    name = cJSON_GetObjectItemCaseSensitive(mount, "name");
    enc = cJSON_GetObjectItemCaseSensitive(mount, "encrypted");
    image = actions_pinned_image(src, cfg);

    /* 1. The volume. */
    vol = cJSON_CreateObject();
    cJSON_AddStringToObject(vol, "name",
                            cJSON_IsString(name) && *name->valuestring
                                ? name->valuestring
                                : "pg_data");
    cJSON_AddStringToObject(vol, "region", region);
    cJSON_AddNumberToObject(vol, "size_gb", size_gb);
    cJSON_AddBoolToObject(vol, "encrypted", !cJSON_IsFalse(enc));
    cJSON_AddBoolToObject(vol, "require_unique_zone", 1);
    if (cJSON_GetObjectItemCaseSensitive(cfg, "guest"))
        cJSON_AddItemToObject(
            vol, "compute",
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cfg, "guest"), 1));
    cJSON_AddStringToObject(vol, "compute_image", image);
    s = actions_step(p,
                     x_asprintf("create the volume of the new replica%s (%d "
                                "GB in %s)",
                                lbl, size_gb, region),
                     "POST", x_strdup("/apps/${app}/volumes"),
                     actions_json(vol));
    cJSON_Delete(vol);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup(v_vol);
    s->reconcile = PLAN_RECONCILE_FIND_VOLUME;

    /* 2. The machine: the source's config, image pinned, new volume,
     * tagged so that a resumed plan finds it instead of creating another. */
    tag = x_asprintf("%s/%zu", p->id, p->n_steps + 1);
    free(actions_clone_config(src, cfg, v_vol, tag));
    body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "region", region);
    cJSON_AddItemToObject(body, "config", cfg);
    cJSON_AddBoolToObject(body, "skip_secrets", 0);
    if (plan_var(p, "secrets_version"))
        actions_min_secrets(body);
    s = actions_step(p,
                     x_asprintf("create the machine of the new replica%s in "
                                "%s (the config of %s, image %s)",
                                lbl, region, src->id, image),
                     "POST", x_strdup("/apps/${app}/machines"),
                     actions_json(body));
    cJSON_Delete(body);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup(v_mach);
    s->reconcile = PLAN_RECONCILE_FIND_MACHINE;
    s->tag = tag;
    free(image);

    /* 3. Until it serves. */
    actions_wait_machine(p,
                         x_asprintf("wait for the new replica %s to be "
                                    "started",
                                    ref_mach),
                         ref_mach, PLAN_COND_MACHINE_STATE, "started",
                         ACTIONS_WAIT_START_MS);
    clone_ms = src->db_size_bytes > 0
                   ? src->db_size_bytes / ACTIONS_CLONE_BYTES_PER_S * 1000
                   : 0;
    if (clone_ms < ACTIONS_CLONE_MIN_MS)
        clone_ms = ACTIONS_CLONE_MIN_MS;
    actions_wait_machine(p,
                         x_asprintf("wait for every check of %s to pass (it "
                                    "clones the primary first)",
                                    ref_mach),
                         ref_mach, PLAN_COND_CHECKS_PASSING, NULL, clone_ms);
    actions_wait_streaming(p, c,
                           x_asprintf("wait for %s to stream from the primary "
                                      "%s",
                                      ref_mach, src->id),
                           src->id, ref_mach);
    if (catchup_bytes >= 0) {
        char lim[32];
        char *pred = actions_name_pred(c, "application_name", ref_mach);

        actions_size_text(catchup_bytes, lim, sizeof lim);
        actions_wait_sql_one(
            p,
            x_asprintf("wait for %s to catch up (replay lag at most %s "
                       "behind the primary %s)",
                       ref_mach, lim, src->id),
            src->id,
            x_asprintf(
                "select count(*) from pg_stat_replication where "
                "%s and state = 'streaming' and "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) <= %lld",
                pred, (long long)catchup_bytes));
        free(pred);
    }

    /* Abort: no half-built replica left, nor its repmgr record or slot.
     * Its member is looked up and unregistered first, and the abort stops
     * there when the primary cannot be asked (guards): a machine destroyed
     * with its member left registered still votes in flex's quorum.  The
     * slot goes once the machine is gone (inactive then). */
    s = actions_abort_step(
        p,
        x_asprintf("find the repmgr node id of %s on the primary %s", ref_mach,
                   src->id),
        "POST", actions_exec_path(src->id), actions_node_id_body(c, ref_mach));
    s->capture = PLAN_CAPTURE_EXEC_STDOUT;
    s->capture_var = x_strdup(v_nid);
    s->needs = x_strdup(v_mach);
    actions_guard(s, 1);
    actions_unregister_step(p, src->id, v_nid, 1);
    s = actions_abort_step(
        p, x_asprintf("delete the new machine %s", ref_mach), "DELETE",
        x_asprintf("/apps/${app}/machines/%s?force=true", ref_mach), NULL);
    s->mutates = 1;
    s->needs = x_strdup(v_mach);
    s = actions_abort_step(
        p, x_asprintf("wait for %s to be gone", ref_mach), "GET",
        x_asprintf("/apps/${app}/machines/%s", ref_mach), NULL);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_GONE;
    s->timeout_ms = ACTIONS_WAIT_GONE_MS;
    s->needs = x_strdup(v_mach);
    actions_drop_slot_step(p, src->id, v_nid, 1);
    s = actions_abort_step(
        p, x_asprintf("delete the new volume ${%s}", v_vol), "DELETE",
        x_asprintf("/apps/${app}/volumes/${%s}", v_vol), NULL);
    s->mutates = 1;
    s->needs = x_strdup(v_vol);
    free(v_vol);
    free(v_mach);
    free(v_nid);
    free(ref_mach);
    free(lbl);
}

int actions_clone_size_gb(const struct fleet_node *src, const cJSON *cfg)
{
    const cJSON *mount =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    const cJSON *msize = cJSON_GetObjectItemCaseSensitive(mount, "size_gb");

    if (!cJSON_IsObject(mount))
        return 0;
    return src->volume.size_gb > 0 ? src->volume.size_gb
           : cJSON_IsNumber(msize) ? msize->valueint
                                   : 0;
}

int actions_replica_add(const struct fleet_cluster *c,
                        const struct action_args *a, struct plan *p,
                        struct action_preflight *pf)
{
    const struct fleet_node *src = actions_primary(c);
    const char *region;
    cJSON *cfg, *mount;
    int size_gb;

    if (!src)
        return actions_refuse(pf,
                              "no primary in %s: a new replica clones "
                              "from the primary",
                              c->name);
    if (src->host_status && *src->host_status &&
        strcmp(src->host_status, "ok") != 0)
        return actions_refuse(pf,
                              "the host of the primary %s is %s: its "
                              "config cannot be cloned",
                              src->id, src->host_status);
    region = a->region && *a->region ? a->region : src->region;
    if (!actions_region_ok(region))
        return actions_refuse(pf, "\"%s\" is not a region code (like iad)",
                              region ? region : "");
    cfg = actions_config_or_refuse(src, pf);
    if (!cfg)
        return -1;
    mount =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "mounts"), 0);
    if (!cJSON_IsObject(mount)) {
        cJSON_Delete(cfg);
        return actions_refuse(pf,
                              "the primary %s mounts no volume: there is "
                              "no data directory to clone",
                              src->id);
    }
    size_gb = actions_clone_size_gb(src, cfg);
    if (size_gb <= 0) {
        cJSON_Delete(cfg);
        return actions_refuse(pf,
                              "the size of the primary's volume is not known; "
                              "wait for a refresh");
    }

    plan_set_var(p, "source", src->id);
    actions_secrets_version_var(p, a);
    free(p->summary);
    p->summary = x_asprintf("add a replica to %s in %s (a clone of the "
                            "primary %s)",
                            c->name, region, src->id);
    if (c->primary_region && *c->primary_region &&
        strcmp(region, c->primary_region) != 0)
        plan_add_warning(p,
                         "%s is outside PRIMARY_REGION %s: the new replica "
                         "will never be promoted and does not count for "
                         "quorum",
                         region, c->primary_region);
    else
        pf->quorum_after = pf->quorum_before + 1;
    actions_clone_steps(p, c, src, cfg, region, size_gb, "", -1);
    return 0;
}

int actions_replica_remove(const struct fleet_cluster *c,
                           const struct action_args *a, struct plan *p,
                           struct action_preflight *pf)
{
    const struct fleet_node *prim = actions_primary(c), *n;
    int left;
    struct plan_step *s;

    if (!a->node || !*a->node)
        return actions_refuse(pf,
                              "name the replica to remove (a machine id "
                              "of %s)",
                              c->name);
    n = actions_node_or_refuse(c, a->node, pf);
    if (!n)
        return -1;
    if (n == prim || (n->check_role && strcmp(n->check_role, "primary") == 0))
        return actions_refuse(pf,
                              "%s is the primary of %s: fail over to "
                              "another node first",
                              n->id, c->name);
    if (!prim)
        return actions_refuse(pf,
                              "no primary in %s to unregister %s from; "
                              "fix the cluster first",
                              c->name, n->id);

    plan_set_var(p, "node", n->id);
    plan_set_var(p, "node_id", NULL);
    free(p->summary);
    p->summary = x_asprintf("remove the replica %s from %s", n->id, c->name);
    plan_add_lease(p, n->id);
    if (n->in_primary_region) {
        pf->quorum_after = pf->quorum_before - 1;
        left = pf->quorum_after;
        if (left < 3)
            plan_add_warning(p,
                             "PRIMARY_REGION %s keeps %d member%s, below 3: "
                             "the cluster can no longer fail over safely",
                             c->primary_region, left, left == 1 ? "" : "s");
    }

    actions_snapshot_first(p, c, a,
                           "the cluster keeps one copy of its data fewer");
    s = actions_step(p, x_strdup("stop the replica ${node}"), "POST",
                     x_strdup("/apps/${app}/machines/${node}/stop"), NULL);
    actions_mutating(s, n->id);
    actions_wait_machine(p, x_strdup("wait for ${node} to be stopped"),
                         "${node}", PLAN_COND_MACHINE_STATE, "stopped",
                         ACTIONS_WAIT_STOP_MS);
    /* A node that never registered has nothing to unregister: the next
     * two steps are skipped then.  When the primary cannot be asked, the
     * plan stops here, before the machine is destroyed: a member left in
     * repmgr.nodes still votes, and postgres-flex's monitor fences the
     * primary when it cannot see a majority.  `pgdeck resume` finishes
     * once the primary answers. */
    s = actions_step(
        p,
        x_asprintf("find the repmgr node id of ${node} on the primary %s "
                   "(nothing is destroyed until it is unregistered)",
                   prim->id),
        "POST", actions_exec_path(prim->id), actions_node_id_body(c, n->id));
    s->capture = PLAN_CAPTURE_EXEC_STDOUT;
    s->capture_var = x_strdup("node_id");
    actions_unregister_step(p, prim->id, "node_id", 0);
    actions_drop_slot_step(p, prim->id, "node_id", 0);
    s = actions_step(p, x_strdup("delete the machine ${node}"), "DELETE",
                     x_strdup("/apps/${app}/machines/${node}?force=true"),
                     NULL);
    actions_mutating(s, n->id);
    actions_check(s, "GET", x_strdup("/apps/${app}/machines/${node}"), NULL,
                  PLAN_COND_GONE, NULL);
    s = actions_wait_machine(p, x_strdup("wait for ${node} to be gone"),
                             "${node}", PLAN_COND_GONE, NULL,
                             ACTIONS_WAIT_GONE_MS);
    if (n->volume.id && *n->volume.id) {
        plan_set_var(p, "volume", n->volume.id);
        s = actions_step(p, x_strdup("delete its volume ${volume}"), "DELETE",
                         x_strdup("/apps/${app}/volumes/${volume}"), NULL);
        s->mutates = 1;
        actions_check(s, "GET", x_strdup("/apps/${app}/volumes/${volume}"),
                      NULL, PLAN_COND_GONE, NULL);
    }
    actions_abort_start(p, n);
    return 0;
}
