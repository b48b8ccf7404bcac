#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/api_json.h"
#include "src/xmalloc.h"

/* 1 PiB in GB; volumes are at most a few hundred GB. */
#define VOLUME_MAX_GB (1024 * 1024)
/* Snapshot retention in days (Fly allows 1 to 60). */
#define VOLUME_MAX_DAYS 100000

static int volume_object(const struct api_json *o, void *dst);
static void volume_clear(void *dst);
static int volume_snapshot(const struct api_json *o, void *dst);
static int volume_extend(const struct api_json *top, void *dst);
static void volume_extend_clear(void *dst);
static void volume_snapshot_clear(void *dst);
static int volume_snapshot_created(const struct api_json *top, void *dst);

static int volume_object(const struct api_json *o, void *dst)
{
    struct api_volume *v = dst;
    const int64_t max = INT64_MAX;

    if (api_json_want_object(o) < 0 || api_json_str(o, "id", &v->id) < 0)
        return -1;
    if (v->id[0] == '\0')
        return api_json_fail(o, "id", "missing");
    if (api_json_str(o, "name", &v->name) < 0 ||
        api_json_str(o, "state", &v->state) < 0 ||
        api_json_str(o, "region", &v->region) < 0 ||
        api_json_str(o, "zone", &v->zone) < 0 ||
        api_json_str(o, "attached_machine_id", &v->attached_machine_id) < 0 ||
        api_json_str(o, "attached_alloc_id", &v->attached_alloc_id) < 0 ||
        api_json_str(o, "fstype", &v->fstype) < 0 ||
        api_json_str(o, "host_status", &v->host_status) < 0 ||
        api_json_int(o, "size_gb", 0, VOLUME_MAX_GB, &v->size_gb) < 0 ||
        api_json_bool(o, "encrypted", &v->encrypted) < 0 ||
        api_json_bool(o, "auto_backup_enabled", &v->auto_backup_enabled) < 0 ||
        api_json_int(o, "snapshot_retention", 0, VOLUME_MAX_DAYS,
                     &v->snapshot_retention) < 0 ||
        api_json_time(o, "created_at", &v->created_at_ms) < 0 ||
        api_json_i64(o, "blocks", 0, max, &v->blocks) < 0 ||
        api_json_i64(o, "block_size", 0, max, &v->block_size) < 0 ||
        api_json_i64(o, "blocks_free", 0, max, &v->blocks_free) < 0 ||
        api_json_i64(o, "blocks_avail", 0, max, &v->blocks_avail) < 0 ||
        api_json_i64(o, "bytes_total", 0, max, &v->bytes_total) < 0 ||
        api_json_i64(o, "bytes_used", 0, max, &v->bytes_used) < 0)
        return -1;
    return 0;
}

static void volume_clear(void *dst)
{
    struct api_volume *v = dst;

    free(v->id);
    free(v->name);
    free(v->state);
    free(v->region);
    free(v->zone);
    free(v->attached_machine_id);
    free(v->attached_alloc_id);
    free(v->fstype);
    free(v->host_status);
    memset(v, 0, sizeof *v);
}

int api_volume_decode(const char *json, size_t len, struct api_volume *out,
                      char **cause)
{
    return api_json_decode_one(json, len, "volume", out, sizeof *out,
                               volume_object, volume_clear, cause);
}

int api_volumes_decode(const char *json, size_t len, struct api_volume **out,
                       size_t *n, char **cause)
{
    void *v;
    int rc = api_json_decode_list(json, len, "volumes", sizeof **out,
                                  volume_object, volume_clear, &v, n, cause);

    *out = v;
    return rc;
}

static int volume_extend(const struct api_json *top, void *dst)
{
    struct api_extend *e = dst;
    struct api_json vol;
    int rc;

    if (api_json_want_object(top) < 0 ||
        api_json_bool(top, "needs_restart", &e->needs_restart) < 0)
        return -1;
    rc = api_json_child(top, "volume", &vol);
    if (rc == 0)
        return api_json_fail(top, "volume", "missing");
    if (rc < 0)
        return -1;
    return volume_object(&vol, &e->volume);
}

static void volume_extend_clear(void *dst)
{
    api_extend_free(dst);
}

int api_extend_decode(const char *json, size_t len, struct api_extend *out,
                      char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out, volume_extend,
                               volume_extend_clear, cause);
}

static int volume_snapshot(const struct api_json *o, void *dst)
{
    struct api_snapshot *s = dst;
    const int64_t max = INT64_MAX;

    if (api_json_want_object(o) < 0 || api_json_str(o, "id", &s->id) < 0)
        return -1;
    if (s->id[0] == '\0')
        return api_json_fail(o, "id", "missing");
    if (api_json_str(o, "digest", &s->digest) < 0 ||
        api_json_str(o, "status", &s->status) < 0 ||
        api_json_i64(o, "size", 0, max, &s->size) < 0 ||
        api_json_i64(o, "volume_size", 0, max, &s->volume_size) < 0 ||
        api_json_time(o, "created_at", &s->created_at_ms) < 0 ||
        api_json_int(o, "retention_days", 0, VOLUME_MAX_DAYS,
                     &s->retention_days) < 0)
        return -1;
    return 0;
}

static void volume_snapshot_clear(void *dst)
{
    struct api_snapshot *s = dst;

    free(s->id);
    free(s->digest);
    free(s->status);
    memset(s, 0, sizeof *s);
}

int api_snapshots_decode(const char *json, size_t len,
                         struct api_snapshot **out, size_t *n, char **cause)
{
    void *v;
    int rc = api_json_decode_list(json, len, "snapshots", sizeof **out,
                                  volume_snapshot, volume_snapshot_clear, &v, n,
                                  cause);

    *out = v;
    return rc;
}

static int volume_snapshot_created(const struct api_json *top, void *dst)
{
    struct api_snapshot *s = dst;
    struct api_json msg, backup;

    if (api_json_want_object(top) < 0 || api_json_child(top, "Msg", &msg) < 0 ||
        api_json_child(&msg, "backup", &backup) < 0 ||
        api_json_str(&backup, "graph_id", &s->id) < 0 ||
        api_json_str(&backup, "state", &s->status) < 0 ||
        api_json_time(&backup, "created_at", &s->created_at_ms) < 0)
        return -1;
    s->digest = x_strdup("");
    return 0;
}

int api_snapshot_created_decode(const char *json, size_t len,
                                struct api_snapshot *out, char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out,
                               volume_snapshot_created, volume_snapshot_clear,
                               cause);
}

void api_volume_free(struct api_volume *v)
{
    if (v)
        volume_clear(v);
}

void api_volumes_free(struct api_volume *v, size_t n)
{
    api_json_free_list(v, n, sizeof *v, volume_clear);
}

void api_extend_free(struct api_extend *e)
{
    if (!e)
        return;
    volume_clear(&e->volume);
    e->needs_restart = 0;
}

void api_snapshot_free(struct api_snapshot *s)
{
    if (s)
        volume_snapshot_clear(s);
}

void api_snapshots_free(struct api_snapshot *v, size_t n)
{
    api_json_free_list(v, n, sizeof *v, volume_snapshot_clear);
}

int api_volume_state_gone(const char *state)
{
    static const char *const gone[] = {"destroyed",       "scheduling_destroy",
                                       "fork_cleanup",    "waiting_for_detach",
                                       "pending_destroy", "destroying"};
    size_t i;

    for (i = 0; state && i < sizeof gone / sizeof gone[0]; i++)
        if (strcmp(state, gone[i]) == 0)
            return 1;
    return 0;
}
