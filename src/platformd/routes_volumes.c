#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/monitor.h"
#include "src/platformd/parse.h"
#include "src/platformd/render.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

#define ROUTES_VOL_MAX_GB 500

/* 1 when V was deleted less than a day ago: listed as pending_destroy,
 * as Fly keeps a deleted volume (lock held). */
static int routes_volume_soft_deleted(const struct st_volume *v)
{
    return v->destroyed && v->destroyed_ms > 0 &&
           ids_now_ms() - v->destroyed_ms < monitor_day();
}

/* Looks up the app and volume of the path (lock held); 404 and NULL. */
static struct st_volume *routes_volume_lookup(struct http_req *r)
{
    struct st_volume *v;

    if (!st_app_find(r->params[0])) {
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return NULL;
    }
    v = st_volume_find(r->params[0], r->params[1]);
    if (!v || v->destroyed) {
        http_error(r, 404, "volume not found: %s", r->params[1]);
        return NULL;
    }
    return v;
}

static int routes_usage(const char *id, int size_gb, struct vol_usage *u)
{
    char *cause = NULL;

    memset(u, 0, sizeof *u);
    if (vol_usage(id, (uint64_t)size_gb << 30, u, &cause) == -1) {
        free(cause);
        memset(u, 0, sizeof *u);
        return -1;
    }
    return 0;
}

void routes_volumes_list(struct http_req *r)
{
    char **ids = NULL;
    int *sizes = NULL;
    struct vol_usage *us;
    size_t n = 0, i, k;
    cJSON *arr;

    st_lock();
    if (!st_app_find(r->params[0])) {
        st_unlock();
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return;
    }
    for (i = 0; i < st.nvolumes; i++) {
        const struct st_volume *v = st.volumes[i];

        if ((v->destroyed && !routes_volume_soft_deleted(v)) ||
            strcmp(v->app, r->params[0]) != 0)
            continue;
        ids = x_reallocarray(ids, n + 1, sizeof *ids);
        sizes = x_reallocarray(sizes, n + 1, sizeof *sizes);
        ids[n] = x_strdup(v->id);
        sizes[n++] = v->size_gb;
    }
    st_unlock();
    us = x_calloc(n + 1, sizeof *us);
    for (i = 0; i < n; i++)
        routes_usage(ids[i], sizes[i], &us[i]);
    arr = cJSON_CreateArray();
    st_lock();
    for (i = 0; i < n; i++) {
        const struct st_volume *v = st_volume_by_id(ids[i]);

        if (v && !v->destroyed)
            cJSON_AddItemToArray(arr, render_volume(v, &us[i]));
        else if (v && routes_volume_soft_deleted(v))
            cJSON_AddItemToArray(arr, render_volume(v, NULL));
    }
    st_unlock();
    for (k = 0; k < n; k++)
        free(ids[k]);
    free(ids);
    free(sizes);
    free(us);
    http_reply(r, 200, arr);
}

void routes_volumes_get(struct http_req *r)
{
    struct st_volume *v;
    struct vol_usage u;
    char *id;
    int size;

    st_lock();
    v = st_app_find(r->params[0]) ? st_volume_find(r->params[0], r->params[1])
                                  : NULL;
    if (v && routes_volume_soft_deleted(v)) {
        http_reply(r, 200, render_volume(v, NULL));
        st_unlock();
        return;
    }
    v = routes_volume_lookup(r);
    if (!v) {
        st_unlock();
        return;
    }
    id = x_strdup(v->id);
    size = v->size_gb;
    st_unlock();
    routes_usage(id, size, &u);
    st_lock();
    http_reply(r, 200, render_volume(v, &u));
    st_unlock();
    free(id);
}

static int routes_vol_name_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 1 || n > 30)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* Optional integer field K of O in [MIN, MAX]; 0, or -1 having answered. */
static int routes_int_field(struct http_req *r, const cJSON *o, const char *k,
                            int min, int max, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
        v->valuedouble - (double)v->valueint > 0 ||
        v->valuedouble - (double)v->valueint < 0) {
        http_error(r, 400, "%s must be an integer in %d..%d", k, min, max);
        return -1;
    }
    *out = v->valueint;
    return 0;
}

static int routes_bool_field(struct http_req *r, const cJSON *o, const char *k,
                             int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v)) {
        http_error(r, 400, "%s must be a boolean", k);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

const struct st_snapshot *routes_snapshot_find(const char *id, int *vol_size)
{
    size_t i, j;

    for (i = 0; i < st.nvolumes; i++)
        for (j = 0; j < st.volumes[i]->nsnaps; j++)
            if (strcmp(st.volumes[i]->snaps[j]->id, id) == 0) {
                if (vol_size)
                    *vol_size = st.volumes[i]->size_gb;
                return st.volumes[i]->snaps[j];
            }
    return NULL;
}

void routes_volumes_create(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *name, *region, *snap, *src;
    int size_gb = -1, retention = 5, backup = 1, encrypted = 1, src_size = 0;
    struct st_volume *v;
    char *path = NULL, *cause = NULL, *id, *snap_id = NULL, *src_id = NULL;
    int rc;

    if (!body)
        return;
    name = cJSON_GetObjectItemCaseSensitive(body, "name");
    region = cJSON_GetObjectItemCaseSensitive(body, "region");
    snap = cJSON_GetObjectItemCaseSensitive(body, "snapshot_id");
    src = cJSON_GetObjectItemCaseSensitive(body, "source_volume_id");
    if (!cJSON_IsString(name) || !routes_vol_name_ok(name->valuestring)) {
        http_error(r, 400, "name is required: 1-30 chars of a-z, 0-9, _");
        goto out;
    }
    if (region && !cJSON_IsNull(region) &&
        (!cJSON_IsString(region) || strlen(region->valuestring) < 2 ||
         strlen(region->valuestring) > 8)) {
        http_error(r, 400, "region must be a region code such as \"iad\"");
        goto out;
    }
    if (routes_int_field(r, body, "size_gb", 1, ROUTES_VOL_MAX_GB, &size_gb) ==
            -1 ||
        routes_int_field(r, body, "snapshot_retention", 1, 60, &retention) ==
            -1 ||
        routes_bool_field(r, body, "auto_backup_enabled", &backup) == -1 ||
        routes_bool_field(r, body, "encrypted", &encrypted) == -1)
        goto out;
    if ((snap && !cJSON_IsNull(snap) && !cJSON_IsString(snap)) ||
        (src && !cJSON_IsNull(src) && !cJSON_IsString(src))) {
        http_error(r, 400, "snapshot_id and source_volume_id must be strings");
        goto out;
    }
    st_lock();
    if (!st_app_find(r->params[0])) {
        st_unlock();
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        goto out;
    }
    if (cJSON_IsString(snap)) {
        if (!routes_snapshot_find(snap->valuestring, &src_size)) {
            st_unlock();
            http_error(r, 404, "snapshot_id: snapshot %s not found",
                       snap->valuestring);
            goto out;
        }
        snap_id = x_strdup(snap->valuestring);
    }
    if (cJSON_IsString(src)) {
        const struct st_volume *sv = st_volume_by_id(src->valuestring);

        if (!sv || sv->destroyed) {
            st_unlock();
            http_error(r, 404, "source_volume_id: volume %s not found",
                       src->valuestring);
            goto out;
        }
        src_size = sv->size_gb;
        src_id = x_strdup(sv->id);
    }
    if (size_gb < 0)
        size_gb = src_size > 0 ? src_size : 3;
    if (size_gb < src_size) {
        st_unlock();
        http_error(r, 400, "size_gb must be at least %d (the source's size)",
                   src_size);
        goto out;
    }
    v = x_calloc(1, sizeof *v);
    do {
        id = ids_volume();
        if (!st_volume_by_id(id))
            break;
        free(id);
    } while (1);
    v->id = id;
    v->app = x_strdup(r->params[0]);
    v->name = x_strdup(name->valuestring);
    v->region = x_strdup(cJSON_IsString(region) ? region->valuestring : "iad");
    v->zone = ids_zone();
    v->state = x_strdup(snap_id  ? "restoring"
                        : src_id ? "hydrating"
                                 : "creating");
    v->size_gb = size_gb;
    v->encrypted = encrypted;
    v->created_ms = ids_now_ms();
    v->last_auto_snapshot_ms = v->created_ms;
    v->snapshot_retention = retention;
    v->auto_backup_enabled = backup;
    v->busy = 1;
    st_volume_add(v);
    st_unlock();
    rc = vol_create(v->id, (uint64_t)size_gb << 30, snap_id, src_id, &path,
                    &cause);
    st_lock();
    free(v->state);
    if (rc == -1) {
        v->state = x_strdup("destroyed");
        v->destroyed = 1;
        st_volume_release(v);
        st_changed();
        st_unlock();
        log_msg("volume create failed: %s", cause);
        http_error(r, 500, "cannot create the volume: %s", cause);
        goto out;
    }
    v->state = x_strdup("created");
    st_volume_release(v);
    st_changed();
    http_reply(r, 200, render_volume(v, NULL));
    st_unlock();
    log_msg("volume %s (%s, %d GB) created in app %s", v->id, v->name, size_gb,
            r->params[0]);
out:
    free(path);
    free(cause);
    free(snap_id);
    free(src_id);
    cJSON_Delete(body);
}

void routes_volumes_update(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    struct st_volume *v;
    int retention = -1, backup = -1;

    if (!body)
        return;
    if (routes_int_field(r, body, "snapshot_retention", 1, 60, &retention) ==
            -1 ||
        routes_bool_field(r, body, "auto_backup_enabled", &backup) == -1)
        goto out;
    st_lock();
    v = routes_volume_lookup(r);
    if (v) {
        if (retention > 0)
            v->snapshot_retention = retention;
        if (backup >= 0)
            v->auto_backup_enabled = backup;
        st_changed();
        http_reply(r, 200, render_volume(v, NULL));
    }
    st_unlock();
out:
    cJSON_Delete(body);
}

void routes_volumes_delete(struct http_req *r)
{
    struct st_volume *v;
    char *cause = NULL, *id;
    int rc;

    st_lock();
    v = routes_volume_lookup(r);
    if (!v) {
        st_unlock();
        return;
    }
    if (v->attached_machine_id) {
        const struct st_machine *m = st_machine_by_id(v->attached_machine_id);

        if (m && !m->destroyed) {
            http_error(r, 412,
                       "volume %s is attached to machine %s; destroy the "
                       "machine first",
                       v->id, m->id);
            st_unlock();
            return;
        }
    }
    st_volume_acquire(v);
    if (v->destroyed) {
        st_volume_release(v);
        st_unlock();
        http_error(r, 404, "volume not found: %s", r->params[1]);
        return;
    }
    id = x_strdup(v->id);
    st_unlock();
    rc = vol_destroy(id, &cause);
    st_lock();
    if (rc == -1)
        log_msg("volume %s: destroy: %s", id, cause);
    v->destroyed = 1;
    free(v->state);
    v->state = x_strdup("destroyed");
    free(v->attached_machine_id);
    v->attached_machine_id = NULL;
    st_volume_release(v);
    http_reply(r, 200, render_volume(v, NULL));
    /* The answer says destroyed (as the docs' example); the list and GET
     * then show it soft-deleted for a day (doc/architecture.md, L1). */
    free(v->state);
    v->state = x_strdup("pending_destroy");
    v->destroyed_ms = ids_now_ms();
    st_changed();
    st_unlock();
    free(id);
    free(cause);
}

void routes_volumes_extend(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1), *o;
    const cJSON *sz;
    struct st_volume *v;
    int new_gb, old_gb, needs = 0, rc;
    char *cause = NULL, *id;

    if (!body)
        return;
    sz = cJSON_GetObjectItemCaseSensitive(body, "size_gb");
    if (!cJSON_IsNumber(sz) || sz->valuedouble < 1 ||
        sz->valuedouble > ROUTES_VOL_MAX_GB) {
        http_error(r, 400, "size_gb is required: the new size, 1..%d",
                   ROUTES_VOL_MAX_GB);
        cJSON_Delete(body);
        return;
    }
    new_gb = sz->valueint;
    cJSON_Delete(body);
    st_lock();
    v = routes_volume_lookup(r);
    if (!v) {
        st_unlock();
        return;
    }
    st_volume_acquire(v);
    old_gb = v->size_gb;
    if (v->destroyed || new_gb <= old_gb) {
        st_volume_release(v);
        st_unlock();
        if (new_gb <= old_gb)
            http_error(r, 400,
                       "size_gb must be larger than the current size (%d GB): "
                       "volumes only grow",
                       old_gb);
        else
            http_error(r, 404, "volume not found: %s", r->params[1]);
        return;
    }
    id = x_strdup(v->id);
    st_unlock();
    rc = vol_extend(id, (uint64_t)old_gb << 30, (uint64_t)new_gb << 30, &needs,
                    &cause);
    st_lock();
    if (rc == 0)
        v->size_gb = new_gb;
    st_volume_release(v);
    if (rc == -1) {
        st_unlock();
        http_error(r, 500, "extend failed: %s", cause);
        free(cause);
        free(id);
        return;
    }
    st_changed();
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "volume", render_volume(v, NULL));
    cJSON_AddBoolToObject(o, "needs_restart", needs);
    http_reply(r, 200, o);
    st_unlock();
    log_msg("volume %s extended %d -> %d GB", id, old_gb, new_gb);
    free(id);
}

void routes_volumes_snapshots(struct http_req *r)
{
    struct st_volume *v;
    cJSON *arr;
    size_t i;

    st_lock();
    v = routes_volume_lookup(r);
    if (v) {
        arr = cJSON_CreateArray();
        for (i = 0; i < v->nsnaps; i++)
            cJSON_AddItemToArray(arr, render_snapshot(v->snaps[i]));
        http_reply(r, 200, arr);
    }
    st_unlock();
}

struct st_snapshot *routes_volume_snapshot_take(struct st_volume *v,
                                                int automatic, char **cause)
{
    struct st_snapshot *s;
    const struct st_machine *m = NULL;
    char *node_ip = NULL, *vid, *sid;
    uint64_t size = 0;
    int rc;

    st_volume_acquire(v);
    if (v->attached_machine_id)
        m = st_machine_by_id(v->attached_machine_id);
    if (m && strcmp(m->state, "started") == 0 && m->private_ip)
        node_ip = x_strdup(m->private_ip);
    vid = x_strdup(v->id);
    sid = ids_snapshot();
    st_unlock();
    rc = vol_snapshot(vid, sid, node_ip, &size, cause);
    st_lock();
    st_volume_release(v);
    free(node_ip);
    free(vid);
    if (rc == -1) {
        free(sid);
        return NULL;
    }
    s = x_calloc(1, sizeof *s);
    s->id = sid;
    s->size = (long long)size;
    s->volume_size = (long long)v->size_gb << 30;
    s->digest = ids_hex(16);
    s->created_ms = ids_now_ms();
    s->retention_days = v->snapshot_retention > 0 ? v->snapshot_retention : 5;
    s->automatic = automatic;
    v->snaps = x_reallocarray(v->snaps, v->nsnaps + 1, sizeof *v->snaps);
    v->snaps[v->nsnaps++] = s;
    st_changed();
    return s;
}

void routes_volumes_snapshot_create(struct http_req *r)
{
    struct st_volume *v;
    struct st_snapshot *s;
    char *cause = NULL;
    cJSON *o, *msg, *b;
    char t[48];

    st_lock();
    v = routes_volume_lookup(r);
    if (!v) {
        st_unlock();
        return;
    }
    s = routes_volume_snapshot_take(v, 0, &cause);
    if (!s) {
        st_unlock();
        http_error(r, 500, "snapshot failed: %s", cause ? cause : "unknown");
        free(cause);
        return;
    }
    o = cJSON_CreateObject();
    msg = cJSON_AddObjectToObject(o, "Msg");
    b = cJSON_AddObjectToObject(msg, "backup");
    cJSON_AddStringToObject(b, "id", s->id);
    cJSON_AddStringToObject(b, "volume_id", v->id);
    cJSON_AddStringToObject(b, "state", "complete");
    cJSON_AddStringToObject(b, "type", "BACKUP_TYPE_ON_DEMAND");
    cJSON_AddStringToObject(b, "message", "");
    ids_rfc3339(s->created_ms, 1, t, sizeof t);
    cJSON_AddStringToObject(b, "created_at", t);
    cJSON_AddStringToObject(b, "updated_at", t);
    cJSON_AddStringToObject(b, "finished_at", t);
    cJSON_AddStringToObject(b, "graph_id", s->id);
    /* Before unlocking: the monitor may prune S once the lock is free. */
    log_msg("volume %s: snapshot %s taken", r->params[1], s->id);
    st_unlock();
    http_reply(r, 200, o);
}
