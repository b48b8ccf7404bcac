#include "config.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/ops.h"
#include "src/platformd/secrets.h"
#include "src/platformd/seed.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

#define SEED_ORG "personal"
#define SEED_WEB_IMAGE "nginx:1.25"
#define SEED_START_WAIT_MS (180 * 1000LL)
#define SEED_NAPPS 4

struct seed_app {
    const char *name;
    const char *role;
    const char *primary_region;
    const char *regions[4]; /* first: the primary */
    int nmachines;
    int pause_last; /* pause replay on the last node */
    int writer;
};

static const struct seed_app seed_apps[SEED_NAPPS] = {
    {"acme-db",
     "postgres_cluster",
     "iad",
     {"iad", "iad", "iad", "ams"},
     4,
     0,
     0},
    {"dev-db", "postgres_cluster", "ord", {"ord"}, 1, 0, 0},
    {"syd-db", "postgres_cluster", "syd", {"syd", "syd", "syd"}, 3, 1, 1},
    {"web-app", "", NULL, {"iad", "ams"}, 2, 0, 0},
};

static pthread_t seed_threads[SEED_NAPPS];
static int seed_made[SEED_NAPPS];
static pthread_t seed_writer_thread;
static int seed_writer_made;
static char *seed_writer_app;

/* Makes a volume record and its bytes; returns its id (allocated) or NULL. */
static char *seed_volume(const char *app, const char *region, int size_gb)
{
    struct st_volume *v = x_calloc(1, sizeof *v);
    char *path = NULL, *cause = NULL, *id;
    int rc;

    st_lock();
    v->id = ids_volume();
    v->app = x_strdup(app);
    v->name = x_strdup("pg_data");
    v->region = x_strdup(region);
    v->zone = ids_zone();
    v->state = x_strdup("creating");
    v->size_gb = size_gb;
    v->encrypted = 1;
    v->created_ms = v->last_auto_snapshot_ms = ids_now_ms();
    v->snapshot_retention = 5;
    v->auto_backup_enabled = 1;
    v->busy = 1;
    st_volume_add(v);
    id = x_strdup(v->id);
    st_unlock();
    rc = vol_create(id, (uint64_t)size_gb << 30, NULL, NULL, &path, &cause);
    st_lock();
    free(v->state);
    v->state = x_strdup(rc == 0 ? "created" : "destroyed");
    v->destroyed = rc != 0;
    st_volume_release(v);
    st_changed();
    st_unlock();
    free(path);
    if (rc == -1) {
        log_msg("seed: volume for %s: %s", app, cause);
        free(cause);
        free(id);
        return NULL;
    }
    return id;
}

static cJSON *seed_pg_body(const char *region, const char *primary_region,
                           const char *vol, long long minsec)
{
    cJSON *b = cJSON_CreateObject(), *c, *g, *e, *md, *mounts, *mt, *checks;
    static const char *const names[] = {"pg", "role", "vm"};
    size_t i;

    cJSON_AddStringToObject(b, "region", region);
    cJSON_AddNumberToObject(b, "min_secrets_version", (double)minsec);
    c = cJSON_AddObjectToObject(b, "config");
    cJSON_AddStringToObject(c, "image", PD_LATEST_FLEX_IMAGE);
    e = cJSON_AddObjectToObject(c, "env");
    cJSON_AddStringToObject(e, "PRIMARY_REGION", primary_region);
    g = cJSON_AddObjectToObject(c, "guest");
    cJSON_AddStringToObject(g, "cpu_kind", "shared");
    cJSON_AddNumberToObject(g, "cpus", 1);
    cJSON_AddNumberToObject(g, "memory_mb", 512);
    md = cJSON_AddObjectToObject(c, "metadata");
    cJSON_AddStringToObject(md, "fly-managed-postgres", "true");
    cJSON_AddStringToObject(md, "fly_platform_version", "v2");
    cJSON_AddStringToObject(md, "managed-by-fly-deploy", "true");
    mounts = cJSON_AddArrayToObject(c, "mounts");
    mt = cJSON_CreateObject();
    cJSON_AddStringToObject(mt, "volume", vol);
    cJSON_AddStringToObject(mt, "path", "/data");
    cJSON_AddItemToArray(mounts, mt);
    checks = cJSON_AddObjectToObject(c, "checks");
    for (i = 0; i < 3; i++) {
        cJSON *ck = cJSON_AddObjectToObject(checks, names[i]);
        char *path = x_asprintf("/flycheck/%s", names[i]);

        cJSON_AddStringToObject(ck, "type", "http");
        cJSON_AddNumberToObject(ck, "port", 5500);
        cJSON_AddStringToObject(ck, "path", path);
        cJSON_AddStringToObject(ck, "interval", "15s");
        cJSON_AddStringToObject(ck, "timeout", "10s");
        free(path);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "restart"), "policy",
                            "always");
    return b;
}

static cJSON *seed_web_body(const char *region)
{
    cJSON *b = cJSON_CreateObject(), *c;

    cJSON_AddStringToObject(b, "region", region);
    c = cJSON_AddObjectToObject(b, "config");
    cJSON_AddStringToObject(c, "image", SEED_WEB_IMAGE);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "env"), "PORT", "8080");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "metadata"),
                            "fly_process_group", "app");
    return b;
}

/* The secrets flyctl's launcher sets on a new Postgres app: three
 * passwords and the Consul URL (lock held). */
static void seed_secrets(struct st_app *a)
{
    char *cause = NULL;

    if (sec_flex_defaults(a, NULL, NULL, &cause) < 0) {
        log_msg("seed: secrets of %s: %s", a->name, cause);
        free(cause);
    }
}

/* Creates one machine; returns its id (allocated) or NULL. */
static char *seed_machine(const char *app, cJSON *body)
{
    struct st_machine *m;
    char *cause = NULL, *id = NULL;
    int status;

    st_lock();
    m = ops_machine_create(app, body, &status, &cause);
    if (m) {
        id = x_strdup(m->id);
        st_changed();
    }
    st_unlock();
    cJSON_Delete(body);
    if (!m) {
        log_msg("seed: machine in %s: %s", app, cause);
        free(cause);
    }
    return id;
}

/* Waits until machine ID is started (or failed / shutdown). */
static int seed_wait_started(const char *app, const char *id)
{
    long long deadline = ids_now_ms() + SEED_START_WAIT_MS;
    int ok = 0;

    st_lock();
    for (;;) {
        struct st_machine *m = st_machine_find(app, id);

        if (!m || st.shutting_down || strcmp(m->state, "failed") == 0)
            break;
        if (strcmp(m->state, "started") == 0 && !m->worker_running) {
            ok = 1;
            break;
        }
        if (ids_now_ms() >= deadline)
            break;
        st_wait_until(deadline);
    }
    st_unlock();
    return ok ? 0 : -1;
}

static void seed_pause_replay(const char *app, const char *id)
{
    struct st_machine *m;
    struct ops_snap *s = NULL;
    char *cause = NULL;

    st_lock();
    m = st_machine_find(app, id);
    if (m)
        s = ops_snap_take(m, 0);
    st_unlock();
    if (!s)
        return;
    ops_snap_resolve(s);
    pthread_mutex_lock(&m->rtmu);
    if (rt_replay_pause(&s->rt, 1, &cause) == -1) {
        log_msg("seed: pausing replay on %s: %s", id, cause);
        free(cause);
    }
    pthread_mutex_unlock(&m->rtmu);
    ops_snap_free(s);
}

/* The private IP and password of the app's primary (allocated), or -1. */
static int seed_writer_target(char **ip, char **password)
{
    const struct st_app *a;
    size_t i, k;
    int rc = -1;

    *ip = *password = NULL;
    st_lock();
    a = st_app_find(seed_writer_app);
    for (i = 0; a && i < st.nmachines && rc == -1; i++) {
        const struct st_machine *m = st.machines[i];

        if (m->destroyed || strcmp(m->app, seed_writer_app) != 0 ||
            strcmp(m->state, "started") != 0)
            continue;
        for (k = 0; k < m->nchecks; k++)
            if (strcmp(m->checks[k].name, "role") == 0 &&
                strcmp(m->checks[k].output, "primary") == 0) {
                *ip = x_strdup(m->private_ip);
                *password = x_strdup(sec_get(&a->secrets, "OPERATOR_PASSWORD"));
                rc = 0;
            }
    }
    st_unlock();
    return rc;
}

static int seed_sleep(long long ms)
{
    long long until = ids_now_ms() + ms;
    int stop;

    st_lock();
    while (!st.shutting_down && ids_now_ms() < until)
        st_wait_until(until);
    stop = st.shutting_down;
    st_unlock();
    return stop ? -1 : 0;
}

static void *seed_writer(void *arg)
{
    PGconn *conn = NULL;
    char *ip = NULL;

    (void)arg;
    while (seed_sleep(1000) == 0) {
        PGresult *res;

        if (!conn) {
            char *pw = NULL;
            const char *keys[] = {"host",
                                  "port",
                                  "user",
                                  "password",
                                  "dbname",
                                  "connect_timeout",
                                  "application_name",
                                  NULL};
            const char *vals[8];

            free(ip);
            if (seed_writer_target(&ip, &pw) == -1)
                continue;
            vals[0] = ip;
            vals[1] = "5433";
            vals[2] = "postgres";
            vals[3] = pw;
            vals[4] = "postgres";
            vals[5] = "3";
            vals[6] = "pgdeck-demo-writer";
            vals[7] = NULL;
            conn = PQconnectdbParams(keys, vals, 0);
            x_wipe(pw, strlen(pw));
            free(pw);
            if (PQstatus(conn) != CONNECTION_OK) {
                PQfinish(conn);
                conn = NULL;
                continue;
            }
            res = PQexec(conn, "CREATE TABLE IF NOT EXISTS demo_writes ("
                               "id bigserial PRIMARY KEY, at timestamptz "
                               "NOT NULL DEFAULT now(), payload text)");
            PQclear(res);
        }
        res = PQexec(conn, "INSERT INTO demo_writes (payload) "
                           "VALUES (repeat(md5(random()::text), 8))");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            PQfinish(conn);
            conn = NULL;
        }
        PQclear(res);
    }
    if (conn)
        PQfinish(conn);
    free(ip);
    return NULL;
}

static void *seed_app_main(void *arg)
{
    const struct seed_app *sa = &seed_apps[(uintptr_t)arg];
    char *ids[4] = {NULL, NULL, NULL, NULL};
    int i;

    for (i = 0; i < sa->nmachines; i++) {
        cJSON *body;

        if (sa->primary_region) {
            char *vol = seed_volume(sa->name, sa->regions[i], 1);
            struct st_app *a;
            long long minsec = 0;

            if (!vol)
                break;

            st_lock();
            a = st_app_find(sa->name);
            if (a)
                minsec = a->secrets.version;
            st_unlock();
            body =
                seed_pg_body(sa->regions[i], sa->primary_region, vol, minsec);
            free(vol);
        } else {
            body = seed_web_body(sa->regions[i]);
        }
        ids[i] = seed_machine(sa->name, body);
        if (!ids[i])
            break;
        /* Replicas clone from the primary: let it come up first. */
        if (i == 0 && sa->primary_region &&
            seed_wait_started(sa->name, ids[0]) == -1) {
            log_msg("seed: primary of %s did not start", sa->name);
            break;
        }
    }
    if (sa->pause_last && sa->nmachines > 1 && ids[sa->nmachines - 1] &&
        seed_wait_started(sa->name, ids[sa->nmachines - 1]) == 0)
        seed_pause_replay(sa->name, ids[sa->nmachines - 1]);
    for (i = 0; i < 4; i++)
        free(ids[i]);
    log_msg("seed: app %s done", sa->name);
    return NULL;
}

int seed_demo_start(char **cause)
{
    size_t i;

    st_lock();
    if (st.napps > 0) {
        /* Seeded before: only bring the demo writer back. */
        if (st_app_find("syd-db"))
            seed_writer_app = x_strdup("syd-db");
        st_unlock();
        log_msg("seed: the store is not empty, nothing seeded");
        if (seed_writer_app)
            seed_writer_made = pthread_create(&seed_writer_thread, NULL,
                                              seed_writer, NULL) == 0;
        return 0;
    }
    for (i = 0; i < SEED_NAPPS; i++) {
        struct st_app *a = x_calloc(1, sizeof *a);

        a->id = ids_app();
        a->name = x_strdup(seed_apps[i].name);
        a->org = x_strdup(SEED_ORG);
        a->role = x_strdup(seed_apps[i].role);
        seed_secrets(a);
        a->next_node_id = 1;
        a->created_ms = ids_now_ms();
        st_app_add(a);
        if (seed_apps[i].writer)
            seed_writer_app = x_strdup(a->name);
    }
    st_changed();
    st_unlock();
    for (i = 0; i < SEED_NAPPS; i++)
        seed_made[i] = pthread_create(&seed_threads[i], NULL, seed_app_main,
                                      (void *)(uintptr_t)i) == 0;
    if (seed_writer_app)
        seed_writer_made =
            pthread_create(&seed_writer_thread, NULL, seed_writer, NULL) == 0;
    (void)cause;
    log_msg("seed: demo fleet under way");
    return 0;
}

void seed_stop(void)
{
    size_t i;

    for (i = 0; i < SEED_NAPPS; i++)
        if (seed_made[i])
            pthread_join(seed_threads[i], NULL);
    if (seed_writer_made)
        pthread_join(seed_writer_thread, NULL);
    seed_writer_made = 0;
    memset(seed_made, 0, sizeof seed_made);
    free(seed_writer_app);
    seed_writer_app = NULL;
}
