#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/cache.h"
#include "src/derive.h"
#include "src/fleet.h"
#include "src/paths.h"
#include "src/settings.h"
#include "src/status.h"
#include "src/xmalloc.h"

/*
 * cache: the status JSON on disk and back (see cache.h).
 */

#define CACHE_MAX_BYTES (16 * 1024 * 1024)
#define CACHE_REASON "from cache"

static const char *cache_str(const cJSON *o, const char *key);
static int64_t cache_num(const cJSON *o, const char *key, int64_t dflt);
static int64_t cache_ms(const cJSON *o, const char *key);
static void cache_node(struct fleet_node *n, const cJSON *o, int64_t saved);
static void cache_cluster(struct fleet_cluster *c, const cJSON *o,
                          int64_t saved);

char *cache_path(const char *context)
{
    char *dir, *p;

    if (!context || !settings_name_valid(context))
        return NULL;
    dir = paths_state_dir();
    if (!dir)
        return NULL;
    p = x_asprintf("%s/cache-%s.json", dir, context);
    free(dir);
    return p;
}

int cache_save(const struct fleet_model *m, const char *path, char **cause)
{
    struct buf b = BUF_INIT;
    cJSON *doc;
    char *text;
    int rc;

    status_json(m, NULL, fleet_wall_ms(), &b);
    doc = cJSON_Parse(buf_str(&b));
    buf_free(&b);
    if (!doc) {
        if (cause)
            *cause = x_strdup("cannot render the model");
        return -1;
    }
    cJSON_AddNumberToObject(doc, "saved_at_ms", (double)fleet_wall_ms());
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        return -1;
    rc = paths_write_private(path, text, strlen(text), cause);
    free(text);
    return rc;
}

struct fleet_model *cache_load(const char *path, char **cause)
{
    FILE *fp = fopen(path, "re");
    struct buf b = BUF_INIT;
    struct fleet_model *m;
    char chunk[8192];
    size_t n;

    if (!fp) {
        if (cause)
            *cause = x_asprintf("%s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        buf_append(&b, chunk, n);
        if (b.len > CACHE_MAX_BYTES)
            break;
    }
    fclose(fp);
    if (b.len > CACHE_MAX_BYTES) {
        buf_free(&b);
        if (cause)
            *cause = x_asprintf("%s: too large", path);
        return NULL;
    }
    m = cache_parse(buf_str(&b), cause);
    buf_free(&b);
    return m;
}

static const char *cache_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t cache_num(const cJSON *o, const char *key, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsNumber(v) || v->valuedouble < -1e15 || v->valuedouble > 1e15)
        return dflt;
    return (int64_t)v->valuedouble;
}

/* A seconds field as ms, -1 when null or missing. */
static int64_t cache_ms(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12)
        return -1;
    return (int64_t)(v->valuedouble * 1000.0 + 0.5);
}

static void cache_stale(struct fleet_stale *s, const cJSON *o, int64_t saved)
{
    int64_t age = cache_ms(o, "age_seconds");
    const char *why = cache_str(o, "stale_reason");

    s->stale = 1;
    s->reason = *why ? x_asprintf("%s (%s)", CACHE_REASON, why)
                     : x_strdup(CACHE_REASON);
    s->updated_ms = age >= 0 ? saved - age : 0;
}

static void cache_node(struct fleet_node *n, const cJSON *o, int64_t saved)
{
    const cJSON *lag = cJSON_GetObjectItemCaseSensitive(o, "lag_bytes");
    const cJSON *vol = cJSON_GetObjectItemCaseSensitive(o, "volume");
    const char *role = cache_str(o, "role"), *ls = cache_str(o, "lag_state");
    const cJSON *pct = cJSON_GetObjectItemCaseSensitive(vol, "used_pct");
    int i;

    n->generation = 1;
    n->id = x_strdup(cache_str(o, "id"));
    n->name = x_strdup(cache_str(o, "name"));
    n->region = x_strdup(cache_str(o, "region"));
    n->state = x_strdup(cache_str(o, "state"));
    n->private_ip = x_strdup("");
    n->host_status = x_strdup("");
    n->image = x_strdup("");
    n->image_version = x_strdup(cache_str(o, "image_version"));
    n->cpu_kind = x_strdup("");
    n->restart_policy = x_strdup("");
    n->check_role = x_strdup(cache_str(o, "check_role"));
    n->memory_mb = (int)cache_num(o, "memory_mb", 0);
    n->role = strcmp(role, "primary") == 0   ? FLEET_ROLE_PRIMARY
              : strcmp(role, "replica") == 0 ? FLEET_ROLE_REPLICA
                                             : FLEET_ROLE_UNKNOWN;
    n->reachable =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "reachable"));
    n->timeline = cache_num(o, "timeline", -1);
    n->replay_delay_ms = n->db_size_bytes = -1;
    n->connections = n->max_connections = -1;
    n->lag_state = FLEET_LAG_NONE;
    for (i = FLEET_LAG_NONE; i < FLEET_LAG__COUNT; i++)
        if (strcmp(ls, fleet_lag_state_name((enum fleet_lag_state)i)) == 0)
            n->lag_state = (enum fleet_lag_state)i;
    n->lag_sent_bytes = cache_num(lag, "sent", -1);
    n->lag_write_bytes = cache_num(lag, "write", -1);
    n->lag_flush_bytes = cache_num(lag, "flush", -1);
    n->lag_replay_bytes = cache_num(lag, "replay", -1);
    n->lag_write_ms = n->lag_flush_ms = n->lag_replay_ms = -1;
    n->lag_ms = cache_ms(o, "lag_seconds");
    n->repl_state = x_strdup("");
    n->volume.id = x_strdup(cache_str(vol, "id"));
    n->volume.size_gb = (int)cache_num(vol, "size_gb", 0);
    n->volume.used_bytes = cache_num(vol, "used_bytes", -1);
    n->volume.total_bytes = -1;
    n->volume.used_pct = cJSON_IsNumber(pct) ? pct->valuedouble : -1;
    n->volume.fill_rate = -1;
    n->volume.eta_full_ms = cache_ms(vol, "eta_full_seconds");
    if (n->volume.used_pct > 0 && n->volume.used_bytes >= 0)
        n->volume.total_bytes = (int64_t)((double)n->volume.used_bytes * 100.0 /
                                          n->volume.used_pct);
    cache_stale(&n->api, o, saved);
    cache_stale(&n->probe, o, saved);
}

static void cache_cluster(struct fleet_cluster *c, const cJSON *o,
                          int64_t saved)
{
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(o, "nodes"), *n;
    size_t i = 0;

    c->generation = 1;
    c->name = x_strdup(cache_str(o, "cluster"));
    c->primary_region = x_strdup(cache_str(o, "region"));
    c->flavor = x_strdup(cache_str(o, "flavor"));
    c->image_version = x_strdup(cache_str(o, "image_version"));
    c->primary = -1;
    c->n_nodes = (size_t)cJSON_GetArraySize(nodes);
    c->nodes = c->n_nodes ? x_calloc(c->n_nodes, sizeof *c->nodes) : NULL;
    cJSON_ArrayForEach(n, nodes)
    {
        if (i < c->n_nodes && cJSON_IsObject(n))
            cache_node(&c->nodes[i++], n, saved);
    }
    c->n_nodes = i;
    cache_stale(&c->api, o, saved);
}

struct fleet_model *cache_parse(const char *text, char **cause)
{
    cJSON *doc = cJSON_Parse(text), *cl, *c;
    struct fleet_model *m;
    struct derive_limits lim;
    int64_t saved;
    size_t i = 0;

    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        if (cause)
            *cause = x_strdup("not a pgdeck cache (bad JSON)");
        return NULL;
    }
    saved = cache_num(doc, "saved_at_ms", 0);
    m = fleet_model_new(cache_str(doc, "context"), cache_str(doc, "org"));
    m->from_cache = 1;
    cache_stale(&m->api, doc, saved);
    m->refreshed_ms = saved;
    cl = cJSON_GetObjectItemCaseSensitive(doc, "clusters");
    m->n_clusters = (size_t)cJSON_GetArraySize(cl);
    m->clusters =
        m->n_clusters ? x_calloc(m->n_clusters, sizeof *m->clusters) : NULL;
    derive_limits_default(&lim);
    cJSON_ArrayForEach(c, cl)
    {
        if (i >= m->n_clusters || !cJSON_IsObject(c) ||
            !*cache_str(c, "cluster"))
            continue;
        cache_cluster(&m->clusters[i], c, saved);
        derive_cluster(&m->clusters[i], &lim, saved);
        i++;
    }
    m->n_clusters = i;
    cJSON_Delete(doc);
    return m;
}
