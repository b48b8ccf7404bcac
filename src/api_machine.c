#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/api_json.h"
#include "src/xmalloc.h"

/*
 * A note on absent objects: api_json_child() leaves the child's item NULL
 * when the member is missing or null, and every accessor reads a NULL object
 * as "all members missing", so optional sub-objects need no special path and
 * their strings still come out as "".
 */

/* Guest sizes: far above any real preset, low enough to stay sane. */
#define MACHINE_MAX_CPUS 4096
#define MACHINE_MAX_MEMORY_MB (64 * 1024 * 1024)
#define MACHINE_MAX_GB (1024 * 1024)

static int machine_guest(const struct api_json *cfg, struct api_guest *g);
static int machine_mount(const struct api_json *el, void *dst);
static void machine_mount_clear(void *dst);
static int machine_checks_config(const struct api_json *cfg,
                                 struct api_machine_config *c);
static void machine_check_config_clear(struct api_check_config *k);
static int machine_config(const struct api_json *cfg,
                          struct api_machine_config *c);
static void machine_config_clear(struct api_machine_config *c);
static int machine_image_ref(const struct api_json *m, struct api_image_ref *r);
static int machine_check_status(const struct api_json *el, void *dst);
static void machine_check_status_clear(void *dst);
static int machine_event(const struct api_json *el, void *dst);
static void machine_event_clear(void *dst);
static int machine_config_json(const struct api_json *cfg,
                               struct api_machine *m);
static int machine_object(const struct api_json *o, void *dst);
static void machine_clear(void *dst);

static int machine_guest(const struct api_json *cfg, struct api_guest *g)
{
    struct api_json o;

    if (api_json_child(cfg, "guest", &o) < 0 ||
        api_json_str(&o, "cpu_kind", &g->cpu_kind) < 0 ||
        api_json_int(&o, "cpus", 0, MACHINE_MAX_CPUS, &g->cpus) < 0 ||
        api_json_int(&o, "memory_mb", 0, MACHINE_MAX_MEMORY_MB, &g->memory_mb) <
            0)
        return -1;
    return 0;
}

static int machine_mount(const struct api_json *el, void *dst)
{
    struct api_mount *mt = dst;

    if (api_json_str(el, "volume", &mt->volume) < 0 ||
        api_json_str(el, "path", &mt->path) < 0 ||
        api_json_str(el, "name", &mt->name) < 0 ||
        api_json_int(el, "size_gb", 0, MACHINE_MAX_GB, &mt->size_gb) < 0 ||
        api_json_bool(el, "encrypted", &mt->encrypted) < 0)
        return -1;
    return 0;
}

static void machine_mount_clear(void *dst)
{
    struct api_mount *mt = dst;

    free(mt->volume);
    free(mt->path);
    free(mt->name);
    memset(mt, 0, sizeof *mt);
}

/* config.checks is a map from check name to its definition. */
static int machine_checks_config(const struct api_json *cfg,
                                 struct api_machine_config *c)
{
    struct api_json checks;
    const cJSON *it;
    size_t count = 0, i = 0;
    int rc = api_json_child(cfg, "checks", &checks);

    if (rc <= 0)
        return rc;
    for (it = checks.item->child; it; it = it->next)
        if (++count > API_MAX_ITEMS)
            return api_json_fail(&checks, NULL, "more than %u entries",
                                 API_MAX_ITEMS);
    if (count == 0)
        return 0;
    c->checks = x_calloc(count, sizeof *c->checks);
    c->n_checks = count;
    for (it = checks.item->child; it; it = it->next, i++) {
        struct api_check_config *k = &c->checks[i];
        struct api_json el = {it, &checks, it->string ? it->string : "", 0,
                              checks.cause};

        if (cJSON_IsNull(it))
            el.item = NULL; /* a null definition reads as an empty one */
        else if (api_json_want_object(&el) < 0)
            return -1;
        if (api_json_str(&el, "type", &k->type) < 0 ||
            api_json_int(&el, "port", 0, 65535, &k->port) < 0 ||
            api_json_str(&el, "method", &k->method) < 0 ||
            api_json_str(&el, "path", &k->path) < 0 ||
            api_json_str(&el, "protocol", &k->protocol) < 0 ||
            api_json_duration(&el, "interval", &k->interval_ns) < 0 ||
            api_json_duration(&el, "timeout", &k->timeout_ns) < 0 ||
            api_json_duration(&el, "grace_period", &k->grace_period_ns) < 0)
            return -1;
        if (strlen(el.key) > API_MAX_STRING)
            return api_json_fail(&el, NULL, "check name too long");
        k->name = x_strdup(el.key);
    }
    return 0;
}

static void machine_check_config_clear(struct api_check_config *k)
{
    free(k->name);
    free(k->type);
    free(k->method);
    free(k->path);
    free(k->protocol);
    memset(k, 0, sizeof *k);
}

static int machine_config(const struct api_json *cfg,
                          struct api_machine_config *c)
{
    struct api_json restart, stop;
    void *mounts;

    if (api_json_str(cfg, "image", &c->image) < 0 ||
        machine_guest(cfg, &c->guest) < 0 ||
        api_json_map(cfg, "env", &c->env) < 0 ||
        api_json_map(cfg, "metadata", &c->metadata) < 0)
        return -1;
    if (api_json_objects(cfg, "mounts", sizeof *c->mounts, machine_mount,
                         machine_mount_clear, &mounts, &c->n_mounts) < 0)
        return -1;
    c->mounts = mounts;
    if (api_json_child(cfg, "restart", &restart) < 0 ||
        api_json_str(&restart, "policy", &c->restart_policy) < 0 ||
        api_json_int(&restart, "max_retries", 0, INT_MAX,
                     &c->restart_max_retries) < 0 ||
        machine_checks_config(cfg, c) < 0 ||
        api_json_child(cfg, "stop_config", &stop) < 0 ||
        api_json_str(&stop, "signal", &c->stop_signal) < 0 ||
        api_json_duration(&stop, "timeout", &c->stop_timeout_ns) < 0 ||
        api_json_bool(cfg, "auto_destroy", &c->auto_destroy) < 0)
        return -1;
    return 0;
}

static void machine_config_clear(struct api_machine_config *c)
{
    size_t i;

    free(c->image);
    free(c->guest.cpu_kind);
    api_map_free(&c->env);
    api_map_free(&c->metadata);
    api_json_free_list(c->mounts, c->n_mounts, sizeof *c->mounts,
                       machine_mount_clear);
    free(c->restart_policy);
    for (i = 0; i < c->n_checks; i++)
        machine_check_config_clear(&c->checks[i]);
    free(c->checks);
    free(c->stop_signal);
    memset(c, 0, sizeof *c);
}

static int machine_image_ref(const struct api_json *m, struct api_image_ref *r)
{
    struct api_json o;

    if (api_json_child(m, "image_ref", &o) < 0 ||
        api_json_str(&o, "registry", &r->registry) < 0 ||
        api_json_str(&o, "repository", &r->repository) < 0 ||
        api_json_str(&o, "tag", &r->tag) < 0 ||
        api_json_str(&o, "digest", &r->digest) < 0 ||
        api_json_map(&o, "labels", &r->labels) < 0)
        return -1;
    return 0;
}

static int machine_check_status(const struct api_json *el, void *dst)
{
    struct api_check_status *s = dst;

    if (api_json_str(el, "name", &s->name) < 0 ||
        api_json_str(el, "status", &s->status) < 0 ||
        api_json_str(el, "output", &s->output) < 0 ||
        api_json_time(el, "updated_at", &s->updated_at_ms) < 0)
        return -1;
    return 0;
}

static void machine_check_status_clear(void *dst)
{
    struct api_check_status *s = dst;

    free(s->name);
    free(s->status);
    free(s->output);
    memset(s, 0, sizeof *s);
}

static int machine_event(const struct api_json *el, void *dst)
{
    struct api_event *e = dst;
    struct api_json req, ex;

    if (api_json_str(el, "type", &e->type) < 0 ||
        api_json_str(el, "status", &e->status) < 0 ||
        api_json_str(el, "source", &e->source) < 0 ||
        api_json_time(el, "timestamp", &e->timestamp_ms) < 0 ||
        api_json_child(el, "request", &req) < 0 ||
        api_json_child(&req, "exit_event", &ex) < 0)
        return -1;
    if (!ex.item)
        return 0;
    e->has_exit = 1;
    if (api_json_int(&ex, "exit_code", INT_MIN, INT_MAX, &e->exit_code) < 0 ||
        api_json_bool(&ex, "oom_killed", &e->oom_killed) < 0)
        return -1;
    return 0;
}

static void machine_event_clear(void *dst)
{
    struct api_event *e = dst;

    free(e->type);
    free(e->status);
    free(e->source);
    memset(e, 0, sizeof *e);
}

/* The "config" object as compact JSON, "" without one (CFG names the
 * incomplete_config or nothing). */
static int machine_config_json(const struct api_json *cfg,
                               struct api_machine *m)
{
    char *text;

    if (!m->has_config) {
        m->config_json = x_strdup("");
        return 0;
    }
    text = cJSON_PrintUnformatted(cfg->item);
    if (!text)
        return api_json_fail(cfg, NULL, "cannot print the config");
    m->config_json = x_strdup(text);
    cJSON_free(text);
    return 0;
}

static int machine_object(const struct api_json *o, void *dst)
{
    struct api_machine *m = dst;
    struct api_json cfg;
    void *checks, *events;
    int rc;

    if (api_json_want_object(o) < 0 || api_json_str(o, "id", &m->id) < 0)
        return -1;
    if (m->id[0] == '\0')
        return api_json_fail(o, "id", "missing");
    if (api_json_str(o, "name", &m->name) < 0 ||
        api_json_str(o, "state", &m->state) < 0 ||
        api_json_str(o, "region", &m->region) < 0 ||
        api_json_str(o, "instance_id", &m->instance_id) < 0 ||
        api_json_str(o, "private_ip", &m->private_ip) < 0 ||
        api_json_str(o, "host_status", &m->host_status) < 0 ||
        api_json_str(o, "nonce", &m->nonce) < 0 ||
        api_json_time(o, "created_at", &m->created_at_ms) < 0 ||
        api_json_time(o, "updated_at", &m->updated_at_ms) < 0 ||
        api_json_bool(o, "cordoned", &m->cordoned) < 0)
        return -1;
    rc = api_json_child(o, "config", &cfg);
    if (rc == 0)
        rc = api_json_child(o, "incomplete_config", &cfg) < 0 ? -1 : 0;
    if (rc < 0)
        return -1;
    m->has_config = cfg.item && strcmp(cfg.key, "config") == 0;
    m->config_incomplete = cfg.item && !m->has_config;
    if (machine_config_json(&cfg, m) < 0)
        return -1;
    if (machine_config(&cfg, &m->config) < 0 ||
        machine_image_ref(o, &m->image_ref) < 0)
        return -1;
    if (api_json_objects(o, "checks", sizeof *m->checks, machine_check_status,
                         machine_check_status_clear, &checks, &m->n_checks) < 0)
        return -1;
    m->checks = checks;
    if (api_json_objects(o, "events", sizeof *m->events, machine_event,
                         machine_event_clear, &events, &m->n_events) < 0)
        return -1;
    m->events = events;
    return 0;
}

static void machine_clear(void *dst)
{
    struct api_machine *m = dst;

    free(m->id);
    free(m->name);
    free(m->state);
    free(m->region);
    free(m->instance_id);
    free(m->private_ip);
    free(m->host_status);
    free(m->nonce);
    machine_config_clear(&m->config);
    free(m->config_json);
    free(m->image_ref.registry);
    free(m->image_ref.repository);
    free(m->image_ref.tag);
    free(m->image_ref.digest);
    api_map_free(&m->image_ref.labels);
    api_json_free_list(m->checks, m->n_checks, sizeof *m->checks,
                       machine_check_status_clear);
    api_json_free_list(m->events, m->n_events, sizeof *m->events,
                       machine_event_clear);
    memset(m, 0, sizeof *m);
}

int api_machine_decode(const char *json, size_t len, struct api_machine *out,
                       char **cause)
{
    return api_json_decode_one(json, len, "machine", out, sizeof *out,
                               machine_object, machine_clear, cause);
}

int api_machines_decode(const char *json, size_t len, struct api_machine **out,
                        size_t *n, char **cause)
{
    void *v;
    int rc = api_json_decode_list(json, len, "machines", sizeof **out,
                                  machine_object, machine_clear, &v, n, cause);

    *out = v;
    return rc;
}

void api_machine_free(struct api_machine *m)
{
    if (m)
        machine_clear(m);
}

void api_machines_free(struct api_machine *v, size_t n)
{
    api_json_free_list(v, n, sizeof *v, machine_clear);
}

const char *api_machine_env(const struct api_machine *m, const char *key)
{
    return api_map_get(&m->config.env, key);
}

const char *api_machine_label(const struct api_machine *m, const char *key)
{
    return api_map_get(&m->image_ref.labels, key);
}

const char *api_machine_metadata(const struct api_machine *m, const char *key)
{
    return api_map_get(&m->config.metadata, key);
}

int api_machine_is_postgres(const struct api_machine *m)
{
    const char *role = api_machine_label(m, "fly.app_role");
    const char *managed = api_machine_metadata(m, "fly-managed-postgres");

    return (role && strcmp(role, "postgres_cluster") == 0) ||
           (managed && strcmp(managed, "true") == 0);
}

int api_machine_is_flex(const struct api_machine *m)
{
    const char *mgr = api_machine_label(m, "fly.pg-manager");

    return mgr && strcmp(mgr, "repmgr") == 0;
}

/* The machine's process group (flyctl's ProcessGroup), "" for none. */
static const char *machine_process_group(const struct api_machine *m)
{
    const char *g = api_machine_metadata(m, "fly_process_group");

    if (g && *g)
        return g;
    g = api_machine_metadata(m, "process_group");
    return g ? g : "";
}

const char *api_machine_non_member(const struct api_machine *m)
{
    const char *barman = api_machine_env(m, "IS_BARMAN");
    const char *pv = api_machine_metadata(m, "fly_platform_version");
    const char *group = machine_process_group(m);
    const char *legacy = api_machine_metadata(m, "process_group");

    if (barman && *barman)
        return "barman";
    if (pv && strcmp(pv, "v2") == 0 && strcmp(group, "fly_app_console") == 0)
        return "console";
    if (strcmp(group, "fly_app_release_command") == 0 ||
        (legacy && strcmp(legacy, "release_command") == 0))
        return "release_command";
    return NULL;
}

const char *api_machine_flavor(const struct api_machine *m)
{
    const char *mgr = api_machine_label(m, "fly.pg-manager");
    const char *repo = m->image_ref.repository;
    const char *role = api_machine_label(m, "fly.app_role");

    if (mgr && *mgr)
        return strcmp(mgr, "repmgr") == 0 ? "flex" : mgr;
    if (repo && (strcmp(repo, "flyio/postgres") == 0 ||
                 strcmp(repo, "flyio/postgres-timescaledb") == 0))
        return "stolon";
    if (role && strcmp(role, "postgres_cluster") == 0)
        return "stolon";
    return "";
}

/* Whether A and B are the same IPv4 or IPv6 address. */
static int machine_same_ip(const char *a, const char *b)
{
    unsigned char x[16], y[16];

    if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
        return memcmp(x, y, 16) == 0;
    if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
        return memcmp(x, y, 4) == 0;
    return 0;
}

int api_node_name_is(const char *name, const char *id, const char *ip,
                     const char *app)
{
    size_t idl;

    if (!name || !*name || !id || !*id)
        return 0;
    if (strcmp(name, id) == 0)
        return 1;
    idl = strlen(id);
    if (app && *app && strncmp(name, id, idl) == 0 &&
        strncmp(name + idl, ".vm.", 4) == 0) {
        const char *rest = name + idl + 4;
        size_t al = strlen(app);

        if (strncmp(rest, app, al) == 0 && strcmp(rest + al, ".internal") == 0)
            return 1;
    }
    return ip && *ip && machine_same_ip(name, ip);
}

int api_machine_host_down(const struct api_machine *m)
{
    return m->host_status && *m->host_status &&
           strcmp(m->host_status, "ok") != 0 && m->state &&
           strcmp(m->state, "destroyed") != 0 &&
           strcmp(m->state, "destroying") != 0;
}

int api_machine_is_active(const struct api_machine *m)
{
    return m->has_config && m->state && strcmp(m->state, "destroyed") != 0 &&
           strcmp(m->state, "destroying") != 0;
}

const struct api_check_status *api_machine_check(const struct api_machine *m,
                                                 const char *name)
{
    size_t i;

    for (i = 0; i < m->n_checks; i++)
        if (m->checks[i].name && strcmp(m->checks[i].name, name) == 0)
            return &m->checks[i];
    return NULL;
}

const char *api_machine_role(const struct api_machine *m)
{
    const struct api_check_status *c = api_machine_check(m, "role");

    if (!c)
        return "unknown";
    if (!c->status || strcmp(c->status, "passing") != 0 || !c->output)
        return "error";
    return c->output;
}
