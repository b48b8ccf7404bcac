#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/persist.h"
#include "src/platformd/runtime.h"
#include "src/platformd/secrets.h"
#include "src/platformd/state.h"

struct st_store st;

static pthread_mutex_t st_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cond;

static const char *const st_settled[] = {
    "created", "started", "stopped", "suspended", "failed", "destroyed",
};

void st_init(const char *dir)
{
    pthread_condattr_t ca;
    unsigned long h = 2166136261UL;
    const char *p;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_REALTIME);
    pthread_cond_init(&st_cond, &ca);
    pthread_condattr_destroy(&ca);
    memset(&st, 0, sizeof st);
    st.dir = x_strdup(dir);
    /* FNV-1a of the state dir picks this daemon's 127.A.B.0/24 so that two
     * daemons on one host (parallel tests) do not collide; bind() probes
     * catch the rest. */
    for (p = dir; *p; p++) {
        h ^= (unsigned char)*p;
        h = (h * 16777619UL) & 0xffffffffUL;
    }
    st.ip_a = 1 + (int)(h % 253);    /* 1..253, never 0 (127.0.0.1) */
    st.ip_b = (int)((h >> 8) % 255); /* 0..254 */
}

void st_lock(void)
{
    pthread_mutex_lock(&st_mu);
}

void st_unlock(void)
{
    pthread_mutex_unlock(&st_mu);
}

void st_changed(void)
{
    char *cause = NULL;

    st.generation++;
    if (persist_save(&cause) == -1) {
        log_msg("saving state failed: %s", cause);
        free(cause);
    }
    pthread_cond_broadcast(&st_cond);
}

void st_broadcast(void)
{
    st.generation++;
    pthread_cond_broadcast(&st_cond);
}

int st_wait_until(long long deadline_ms)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline_ms / 1000);
    ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
    return pthread_cond_timedwait(&st_cond, &st_mu, &ts) == 0 ? 0 : -1;
}

struct st_app *st_app_find(const char *name)
{
    size_t i;

    for (i = 0; i < st.napps; i++)
        if (!st.apps[i]->deleted && strcmp(st.apps[i]->name, name) == 0)
            return st.apps[i];
    return NULL;
}

struct st_machine *st_machine_find(const char *app, const char *id)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++) {
        struct st_machine *m = st.machines[i];

        if (strcmp(m->id, id) == 0 && strcmp(m->app, app) == 0)
            return m;
    }
    return NULL;
}

struct st_machine *st_machine_by_id(const char *id)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        if (strcmp(st.machines[i]->id, id) == 0)
            return st.machines[i];
    return NULL;
}

struct st_volume *st_volume_find(const char *app, const char *id)
{
    struct st_volume *v = st_volume_by_id(id);

    if (v && strcmp(v->app, app) == 0)
        return v;
    return NULL;
}

struct st_volume *st_volume_by_id(const char *id)
{
    size_t i;

    for (i = 0; i < st.nvolumes; i++)
        if (strcmp(st.volumes[i]->id, id) == 0)
            return st.volumes[i];
    return NULL;
}

void st_app_add(struct st_app *a)
{
    st.apps = x_reallocarray(st.apps, st.napps + 1, sizeof *st.apps);
    st.apps[st.napps++] = a;
}

void st_machine_add(struct st_machine *m)
{
    st.machines =
        x_reallocarray(st.machines, st.nmachines + 1, sizeof *st.machines);
    st.machines[st.nmachines++] = m;
}

void st_volume_add(struct st_volume *v)
{
    st.volumes =
        x_reallocarray(st.volumes, st.nvolumes + 1, sizeof *st.volumes);
    st.volumes[st.nvolumes++] = v;
}

struct st_machine *st_machine_new(void)
{
    struct st_machine *m = x_calloc(1, sizeof *m);

    pthread_mutex_init(&m->rtmu, NULL);
    m->state = x_strdup("created");
    m->config = cJSON_CreateObject();
    m->created_ms = m->updated_ms = ids_now_ms();
    return m;
}

void st_machine_set_state(struct st_machine *m, const char *state)
{
    if (strcmp(m->state, state) != 0) {
        free(m->state);
        m->state = x_strdup(state);
    }
    m->updated_ms = ids_now_ms();
}

struct st_event *st_machine_event(struct st_machine *m, const char *type,
                                  const char *status, const char *source)
{
    struct st_event *e;

    if (m->nevents == ST_MAX_EVENTS)
        m->nevents--;
    memmove(&m->events[1], &m->events[0], m->nevents * sizeof m->events[0]);
    m->nevents++;
    e = &m->events[0];
    memset(e, 0, sizeof *e);
    snprintf(e->type, sizeof e->type, "%s", type);
    snprintf(e->status, sizeof e->status, "%s", status);
    snprintf(e->source, sizeof e->source, "%s", source);
    e->ts_ms = ids_now_ms();
    return e;
}

/* The registry's images named by --image, and their fly.version. */
static struct st_image {
    char *ref;
    char *version;
} * st_images;
static size_t st_nimages;

/* VERSION as "vX.Y.Z" into V[3]; 0, or -1 when it is not one. */
static int st_version_parse(const char *version, long v[3])
{
    const char *p = version;
    char *end;
    int i;

    if (!p || *p != 'v')
        return -1;
    p++;
    for (i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return -1;
        v[i] = strtol(p, &end, 10);
        p = end;
        if (i < 2 && *p++ != '.')
            return -1;
    }
    return *p ? -1 : 0;
}

int st_image_register(const char *arg, char **cause)
{
    const char *eq = strrchr(arg, '=');
    long v[3];

    if (!eq || eq == arg) {
        *cause = x_asprintf("--image takes REF=VERSION, not '%s'", arg);
        return -1;
    }
    if (strcmp(eq + 1, "custom") != 0 && st_version_parse(eq + 1, v) != 0) {
        *cause = x_asprintf("--image %s: the version must be vX.Y.Z or "
                            "custom",
                            arg);
        return -1;
    }
    st_images = x_reallocarray(st_images, st_nimages + 1, sizeof *st_images);
    st_images[st_nimages].ref = x_strndup(arg, (size_t)(eq - arg));
    st_images[st_nimages].version = x_strdup(eq + 1);
    st_nimages++;
    return 0;
}

/* The fly.version label of IMAGE (split into M already): a registered one
 * (the full reference, or repository:tag), else the flavour's default. */
static const char *st_image_version(const struct st_machine *m,
                                    const char *image)
{
    size_t i;

    for (i = 0; i < st_nimages; i++) {
        const char *ref = st_images[i].ref;
        size_t rl = strlen(m->img_repository);

        if (strcmp(ref, image) == 0 ||
            (strncmp(ref, m->img_repository, rl) == 0 && ref[rl] == ':' &&
             strcmp(ref + rl + 1, m->img_tag) == 0))
            return st_images[i].version;
    }
    if (m->pg_flavor == ST_PG_FLEX)
        return ST_FLEX_VERSION;
    if (m->pg_flavor == ST_PG_STOLON)
        return ST_STOLON_VERSION;
    return "";
}

char *st_machine_node_name(const struct st_machine *m)
{
    long v[3];

    if (m->pg_flavor != ST_PG_FLEX ||
        st_version_parse(m->img_version, v) != 0 ||
        (v[0] > 0 || v[1] > 0 || v[2] >= 63))
        return x_strdup(m->id);
    if (v[2] == 59)
        return x_asprintf("%s.vm.%s.internal", m->id, m->app);
    return x_strdup(m->private_ip ? m->private_ip : m->id);
}

static void st_image_split(struct st_machine *m, const char *image)
{
    char *s = x_strdup(image ? image : "");
    char *rest = s, *at, *slash, *colon;
    const char *registry = "registry-1.docker.io";
    char *repo;

    free(m->img_registry);
    free(m->img_repository);
    free(m->img_tag);
    free(m->img_digest);
    at = strchr(rest, '@');
    if (at) {
        *at = '\0';
        m->img_digest = x_strdup(at + 1);
    } else {
        /* A stable made-up digest: 64 hex chars from the image string. */
        unsigned long long h = 1469598103934665603ULL;
        char hex[65];
        const char *p;
        int i;

        for (p = image ? image : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        for (i = 0; i < 64; i++) {
            h = h * 6364136223846793005ULL + 1442695040888963407ULL;
            hex[i] = "0123456789abcdef"[(h >> 60) & 15];
        }
        hex[64] = '\0';
        m->img_digest = x_asprintf("sha256:%s", hex);
    }
    slash = strchr(rest, '/');
    if (slash && (memchr(rest, '.', (size_t)(slash - rest)) ||
                  memchr(rest, ':', (size_t)(slash - rest)) ||
                  strncmp(rest, "localhost/", 10) == 0)) {
        *slash = '\0';
        registry = rest;
        rest = slash + 1;
    }
    slash = strrchr(rest, '/');
    colon = strrchr(rest, ':');
    if (colon && (!slash || colon > slash)) {
        *colon = '\0';
        m->img_tag = x_strdup(colon + 1);
    } else {
        m->img_tag = x_strdup("latest");
    }
    if (!strchr(rest, '/') && strcmp(registry, "registry-1.docker.io") == 0)
        repo = x_asprintf("library/%s", rest);
    else
        repo = x_strdup(rest);
    m->img_registry = x_strdup(registry);
    m->img_repository = repo;
    if (strcmp(repo, "flyio/postgres-flex") == 0 ||
        strcmp(repo, "flyio/postgres-flex-timescaledb") == 0)
        m->pg_flavor = ST_PG_FLEX;
    else if (strcmp(repo, "flyio/postgres") == 0 ||
             strcmp(repo, "flyio/postgres-timescaledb") == 0)
        m->pg_flavor = ST_PG_STOLON;
    else
        m->pg_flavor = ST_PG_NONE;
    free(m->img_version);
    m->img_version = x_strdup(st_image_version(m, image ? image : ""));
    free(s);
}

void st_machine_set_config(struct st_machine *m, cJSON *config)
{
    const cJSON *image;
    const char *barman;

    cJSON_Delete(m->config);
    m->config = config;
    image = cJSON_GetObjectItemCaseSensitive(config, "image");
    st_image_split(m, cJSON_IsString(image) ? image->valuestring : "");
    /* A barman machine runs barman, a console its init.exec (sleep):
     * neither is a Postgres node, though both use the image. */
    barman = st_machine_env(m, "IS_BARMAN");
    m->is_postgres =
        m->pg_flavor != ST_PG_NONE && !(barman && *barman) &&
        !cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(config, "init"), "exec");
}

void st_machine_set_checks(struct st_machine *m, const struct st_check *checks,
                           size_t n)
{
    size_t i;

    for (i = 0; i < m->nchecks; i++) {
        free(m->checks[i].name);
        free(m->checks[i].status);
        free(m->checks[i].output);
    }
    free(m->checks);
    m->checks = n ? x_calloc(n, sizeof *m->checks) : NULL;
    m->nchecks = n;
    for (i = 0; i < n; i++) {
        m->checks[i].name = x_strdup(checks[i].name);
        m->checks[i].status = x_strdup(checks[i].status);
        m->checks[i].output = x_strdup(checks[i].output);
        m->checks[i].updated_ms = checks[i].updated_ms;
    }
}

const char *st_machine_volume_id(const struct st_machine *m)
{
    const cJSON *mounts = cJSON_GetObjectItemCaseSensitive(m->config, "mounts");
    const cJSON *first, *vol;

    if (!cJSON_IsArray(mounts))
        return NULL;
    first = cJSON_GetArrayItem(mounts, 0);
    vol = cJSON_GetObjectItemCaseSensitive(first, "volume");
    return cJSON_IsString(vol) ? vol->valuestring : NULL;
}

const char *st_machine_env(const struct st_machine *m, const char *name)
{
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(m->config, "env");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int st_guest_int(const struct st_machine *m, const char *key, int dflt)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(m->config, "guest");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, key);

    if (cJSON_IsNumber(v) && v->valueint > 0)
        return v->valueint;
    return dflt;
}

int st_machine_memory_mb(const struct st_machine *m)
{
    return st_guest_int(m, "memory_mb", 256);
}

int st_machine_cpus(const struct st_machine *m)
{
    return st_guest_int(m, "cpus", 1);
}

int st_lease_active(const struct st_machine *m, long long now_s)
{
    return m->lease.nonce && m->lease.expires_at > now_s;
}

void st_lease_clear(struct st_machine *m)
{
    free(m->lease.nonce);
    free(m->lease.owner);
    free(m->lease.description);
    memset(&m->lease, 0, sizeof m->lease);
}

int st_state_is_settled(const char *state)
{
    size_t i;

    for (i = 0; i < sizeof st_settled / sizeof st_settled[0]; i++)
        if (strcmp(state, st_settled[i]) == 0)
            return 1;
    return 0;
}

void st_volume_acquire(struct st_volume *v)
{
    while (v->busy)
        st_wait_until(ids_now_ms() + 1000);
    v->busy = 1;
}

void st_volume_release(struct st_volume *v)
{
    v->busy = 0;
    st_broadcast();
}

static int st_ip_taken(const char *ip)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        if (st.machines[i]->private_ip &&
            strcmp(st.machines[i]->private_ip, ip) == 0)
            return 1;
    return 0;
}

static int st_ip_free_on_host(const char *ip)
{
    struct sockaddr_in sa;
    int fd, ok, one = 1;

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(RT_PG_PORT);
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
        return 0;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1; /* cannot probe: assume free */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

char *st_alloc_ip(void)
{
    int tries, b = st.ip_b, c;

    for (tries = 0; tries < 256; tries++) {
        for (c = 2; c < 255; c++) {
            char ip[32];

            snprintf(ip, sizeof ip, "127.%d.%d.%d", st.ip_a, b, c);
            if (st_ip_taken(ip))
                continue;
            if (!st_ip_free_on_host(ip))
                continue;
            return x_strdup(ip);
        }
        b = (b + 1) % 255;
    }
    fatalx("no free loopback address left in 127.%d.0.0/16", st.ip_a);
}

void st_snapshot_free(struct st_snapshot *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->digest);
    free(s);
}

void st_machine_free(struct st_machine *m)
{
    free(m->id);
    free(m->app);
    free(m->name);
    free(m->region);
    free(m->state);
    free(m->instance_id);
    free(m->private_ip);
    cJSON_Delete(m->config);
    free(m->img_registry);
    free(m->img_repository);
    free(m->img_tag);
    free(m->img_digest);
    free(m->img_version);
    st_machine_set_checks(m, NULL, 0);
    st_lease_clear(m);
    free(m->create_nonce);
    free(m->host_status);
    cJSON_Delete(m->stale_doc);
    free(m->ops);
    pthread_mutex_destroy(&m->rtmu);
    free(m);
}

void st_app_free(struct st_app *a)
{
    if (!a)
        return;
    free(a->id);
    free(a->name);
    free(a->org);
    free(a->role);
    sec_free(&a->secrets);
    sec_free(&a->prev);
    if (a->consul_token)
        x_wipe(a->consul_token, strlen(a->consul_token));
    free(a->consul_token);
    free(a->consul_prefix);
    free(a);
}

void st_volume_free(struct st_volume *v)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < v->nsnaps; i++)
        st_snapshot_free(v->snaps[i]);
    free(v->snaps);
    free(v->id);
    free(v->app);
    free(v->name);
    free(v->region);
    free(v->zone);
    free(v->state);
    free(v->attached_machine_id);
    free(v);
}

void st_free_all(void)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        st_machine_free(st.machines[i]);
    for (i = 0; i < st.napps; i++)
        st_app_free(st.apps[i]);
    for (i = 0; i < st.nvolumes; i++)
        st_volume_free(st.volumes[i]);
    free(st.machines);
    free(st.apps);
    free(st.volumes);
    free(st.dir);
    memset(&st, 0, sizeof st);
}
