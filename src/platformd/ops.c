#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/monitor.h"
#include "src/platformd/ops.h"
#include "src/platformd/parse.h"
#include "src/platformd/secrets.h"
#include "src/platformd/volume.h"

#define OPS_STOP_TIMEOUT_S 10
#define OPS_PANIC_BACKOFF_MS 1000
#define OPS_PANIC_BACKOFF_MAX_MS 30000

static int ops_nworkers;

static char *ops_keep(struct ops_snap *s, const char *str)
{
    char *c;

    if (!str)
        return NULL;
    c = x_strdup(str);
    s->owned = x_reallocarray(s->owned, s->nowned + 1, sizeof *s->owned);
    s->owned[s->nowned++] = c;
    return c;
}

struct ops_snap *ops_snap_take(const struct st_machine *m, int with_peers)
{
    struct ops_snap *s = x_calloc(1, sizeof *s);
    const struct st_app *a = st_app_find(m->app);
    const char *vid = st_machine_volume_id(m);
    const struct st_volume *v = vid ? st_volume_by_id(vid) : NULL;
    size_t i;

    s->rt.app = ops_keep(s, m->app);
    s->rt.id = ops_keep(s, m->id);
    s->rt.region = ops_keep(s, m->region);
    s->rt.primary_region = ops_keep(s, st_machine_env(m, "PRIMARY_REGION"));
    s->rt.private_ip = ops_keep(s, m->private_ip);
    s->rt.is_postgres = m->is_postgres;
    s->rt.no_repmgr = m->pg_flavor == ST_PG_STOLON;
    {
        char *nn = st_machine_node_name(m);

        s->rt.node_name = ops_keep(s, nn);
        free(nn);
    }
    s->rt.memory_mb = st_machine_memory_mb(m);
    s->rt.cpus = st_machine_cpus(m);
    s->rt.repmgr_node_id = m->repmgr_node_id;
    if (v && !v->destroyed) {
        s->rt.volume_id = ops_keep(s, v->id);
        s->rt.volume_bytes = (long long)v->size_gb << 30;
    }
    {
        char *rd = x_asprintf("%s/machines/%s", st.dir, m->id);

        s->rt.run_dir = ops_keep(s, rd);
        free(rd);
    }
    if (a && m->is_postgres) {
        const struct st_secrets *env =
            sec_for_boot(a, m->min_secrets_version, ids_now_ms());
        s->rt.operator_password =
            ops_keep(s, sec_get(env, "OPERATOR_PASSWORD"));
        s->rt.repl_password = ops_keep(s, sec_get(env, "REPL_PASSWORD"));
        s->rt.su_password = ops_keep(s, sec_get(env, "SU_PASSWORD"));
        s->rt.restored_from = ops_keep(s, sec_get(env, "FLY_RESTORED_FROM"));
        if (!s->rt.restored_from)
            s->rt.restored_from =
                ops_keep(s, st_machine_env(m, "FLY_RESTORED_FROM"));
        /* Only a start reads it (the supervision thread's snapshots,
         * every few seconds, do not). */
        if (with_peers) {
            char *panic = sec_boot_panic(a, env);

            s->rt.boot_panic = ops_keep(s, panic);
            free(panic);
        }
    }
    if (!with_peers)
        return s;
    for (i = 0; i < st.nmachines; i++) {
        const struct st_machine *p = st.machines[i];
        struct rt_peer *rp;

        if (p == m || p->destroyed || strcmp(p->app, m->app) != 0)
            continue;
        s->peers = x_reallocarray(s->peers, s->npeers + 1, sizeof *s->peers);
        rp = &s->peers[s->npeers++];
        rp->id = ops_keep(s, p->id);
        rp->private_ip = ops_keep(s, p->private_ip);
        rp->repmgr_node_id = p->repmgr_node_id;
        rp->is_postgres = p->is_postgres;
        rp->started = strcmp(p->state, "started") == 0;
    }
    return s;
}

void ops_snap_resolve(struct ops_snap *s)
{
    char *p;

    if (!s->rt.volume_id)
        return;
    p = vol_path(s->rt.volume_id);
    if (!p)
        return;
    s->rt.volume_path = ops_keep(s, p);
    free(p);
}

void ops_snap_free(struct ops_snap *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->nowned; i++) {
        x_wipe(s->owned[i], strlen(s->owned[i]));
        free(s->owned[i]);
    }
    free(s->owned);
    free(s->peers);
    free(s);
}

/* Makes run_dir (and its parent); as root, hands it to postgres. */
static void ops_make_run_dir(const char *run_dir)
{
    char *parent = x_strdup(run_dir);
    char *slash = strrchr(parent, '/');

    if (slash) {
        *slash = '\0';
        if (mkdir(parent, 0711) == -1 && errno != EEXIST)
            log_msg("mkdir %s: %s", parent, strerror(errno));
    }
    free(parent);
    if (mkdir(run_dir, 0700) == -1 && errno != EEXIST)
        log_msg("mkdir %s: %s", run_dir, strerror(errno));
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");

        if (pw && chown(run_dir, pw->pw_uid, pw->pw_gid) == -1)
            log_msg("chown %s: %s", run_dir, strerror(errno));
    }
}

static void ops_detach_volume(struct st_machine *m)
{
    const char *vid = st_machine_volume_id(m);
    struct st_volume *v = vid ? st_volume_by_id(vid) : NULL;

    if (v && v->attached_machine_id &&
        strcmp(v->attached_machine_id, m->id) == 0) {
        free(v->attached_machine_id);
        v->attached_machine_id = NULL;
    }
}

/* Runs OP for S without the lock; returns 0 or -1 with *cause. */
static int ops_run(const struct st_op *op, struct ops_snap *s, char **cause)
{
    int sig = op->sig > 0 ? op->sig : SIGINT;
    int to = op->timeout_s > 0 ? op->timeout_s : OPS_STOP_TIMEOUT_S;

    switch (op->kind) {
    case ST_OP_START:
        ops_make_run_dir(s->rt.run_dir);
        return rt_start(&s->rt, s->peers, s->npeers, cause);
    case ST_OP_STOP:
        return rt_stop(&s->rt, sig, to, cause);
    case ST_OP_RESTART:
        if (rt_stop(&s->rt, sig, to, cause) == -1)
            return -1;
        ops_make_run_dir(s->rt.run_dir);
        return rt_start(&s->rt, s->peers, s->npeers, cause);
    case ST_OP_DESTROY:
        if (rt_stop(&s->rt, op->sig > 0 ? op->sig : SIGKILL, to, cause) == -1)
            log_msg("destroy %s: stop failed, destroying anyway", s->rt.id);
        rt_destroy(&s->rt);
        return 0;
    }
    return -1;
}

/*
 * flex panicked at boot (lock held): its process exited with Go's status 2
 * and the restart policy decides, as for any crash; the next try waits
 * OPS_PANIC_BACKOFF_MS doubled per try (the monitor starts it, as after a
 * crash held down), so a machine without its secrets crash-loops.
 */
static void ops_boot_panicked(struct st_machine *m)
{
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(m->config, "restart");
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(rs, "policy");
    const cJSON *maxr = cJSON_GetObjectItemCaseSensitive(rs, "max_retries");
    struct st_event *e;
    long long backoff = OPS_PANIC_BACKOFF_MS;
    int again, k;

    again = monitor_should_restart(
        cJSON_IsString(policy) && policy->valuestring[0] ? policy->valuestring
                                                         : NULL,
        cJSON_IsNumber(maxr) ? maxr->valueint : 0, m->restart_count);
    e = st_machine_event(m, "exit", "stopped", "flyd");
    e->has_exit = 1;
    e->exit_code = 2;
    e->restarting = again;
    st_machine_set_checks(m, NULL, 0);
    st_machine_set_state(m, "stopped");
    if (!again)
        return;
    for (k = 0; k < m->restart_count && backoff < OPS_PANIC_BACKOFF_MAX_MS; k++)
        backoff *= 2;
    m->restart_count++;
    m->down_until_ms = ids_now_ms() + (backoff < OPS_PANIC_BACKOFF_MAX_MS
                                           ? backoff
                                           : OPS_PANIC_BACKOFF_MAX_MS);
}

/* Records the outcome of OP on M (lock held). */
static void ops_record(struct st_machine *m, const struct st_op *op, int rc,
                       const char *cause)
{
    int last = m->nops == 0 && !st.shutting_down;
    struct st_event *e;

    if (rc == -1)
        log_msg("machine %s: %s failed: %s", m->id,
                op->kind == ST_OP_START     ? "start"
                : op->kind == ST_OP_STOP    ? "stop"
                : op->kind == ST_OP_RESTART ? "restart"
                                            : "destroy",
                cause ? cause : "unknown error");
    switch (op->kind) {
    case ST_OP_START:
    case ST_OP_RESTART:
        if (rc == 0) {
            st_machine_event(m, "start", "started", "flyd");
            if (last)
                st_machine_set_state(m, "started");
        } else if (cause && strncmp(cause, "panic: ", 7) == 0 && last) {
            ops_boot_panicked(m);
        } else {
            e = st_machine_event(m, "exit", "failed", "flyd");
            e->has_exit = 1;
            e->exit_code = 1;
            if (last)
                st_machine_set_state(m, "failed");
        }
        break;
    case ST_OP_STOP:
        e = st_machine_event(m, "exit", "stopped", "flyd");
        e->has_exit = 1;
        e->requested_stop = 1;
        e->exit_signal = op->sig > 0 ? op->sig : SIGINT;
        if (last)
            st_machine_set_state(m, "stopped");
        st_machine_set_checks(m, NULL, 0);
        break;
    case ST_OP_DESTROY:
        st_machine_event(m, "destroy", "destroyed", "user");
        st_machine_set_state(m, "destroyed");
        m->destroyed = 1;
        m->nops = 0;
        st_lease_clear(m);
        st_machine_set_checks(m, NULL, 0);
        ops_detach_volume(m);
        break;
    }
}

static void *ops_worker(void *arg)
{
    struct st_machine *m = arg;

    st_lock();
    while (m->nops > 0 && !st.shutting_down) {
        struct st_op op = m->ops[0];
        struct ops_snap *s;
        char *cause = NULL;
        int rc;

        m->nops--;
        memmove(&m->ops[0], &m->ops[1], m->nops * sizeof m->ops[0]);
        s = ops_snap_take(m,
                          op.kind == ST_OP_START || op.kind == ST_OP_RESTART);
        st_unlock();
        ops_snap_resolve(s);
        pthread_mutex_lock(&m->rtmu);
        rc = ops_run(&op, s, &cause);
        pthread_mutex_unlock(&m->rtmu);
        ops_snap_free(s);
        st_lock();
        if (!m->destroyed)
            ops_record(m, &op, rc, cause);
        free(cause);
        st_changed();
    }
    m->worker_running = 0;
    ops_nworkers--;
    st_broadcast();
    st_unlock();
    return NULL;
}

void ops_enqueue(struct st_machine *m, enum st_op_kind kind, int sig,
                 int timeout_s)
{
    struct st_op *op;
    pthread_attr_t attr;
    pthread_t t;

    m->ops = x_reallocarray(m->ops, m->nops + 1, sizeof *m->ops);
    op = &m->ops[m->nops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->sig = sig;
    op->timeout_s = timeout_s;
    if (m->worker_running)
        return;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, ops_worker, m) != 0)
        fatalx("cannot create a worker thread");
    pthread_attr_destroy(&attr);
    m->worker_running = 1;
    ops_nworkers++;
}

int ops_workers(void)
{
    return ops_nworkers;
}

void ops_quiesce(void)
{
    st_lock();
    st.shutting_down = 1;
    st_broadcast();
    while (ops_nworkers > 0)
        st_wait_until(ids_now_ms() + 500);
    st_unlock();
}

static void *ops_stop_one(void *arg)
{
    struct ops_snap *s = arg;
    char *cause = NULL;

    if (rt_stop(&s->rt, SIGINT, OPS_STOP_TIMEOUT_S, &cause) == -1) {
        log_msg("shutdown: stopping %s failed: %s", s->rt.id, cause);
        free(cause);
    }
    return NULL;
}

void ops_stop_all(void)
{
    struct ops_snap **snaps;
    pthread_t *threads;
    int *made;
    size_t n = 0, i;

    st_lock();
    snaps = x_calloc(st.nmachines + 1, sizeof *snaps);
    for (i = 0; i < st.nmachines; i++)
        if (!st.machines[i]->destroyed)
            snaps[n++] = ops_snap_take(st.machines[i], 0);
    st_unlock();
    threads = x_calloc(n + 1, sizeof *threads);
    made = x_calloc(n + 1, sizeof *made);
    for (i = 0; i < n; i++) {
        ops_snap_resolve(snaps[i]);
        made[i] =
            pthread_create(&threads[i], NULL, ops_stop_one, snaps[i]) == 0;
        if (!made[i])
            ops_stop_one(snaps[i]);
    }
    for (i = 0; i < n; i++) {
        if (made[i])
            pthread_join(threads[i], NULL);
        ops_snap_free(snaps[i]);
    }
    free(made);
    free(threads);
    free(snaps);
}

static int ops_fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int ops_fail(char **cause, const char *fmt, ...)
{
    va_list ap;

    if (cause) {
        va_start(ap, fmt);
        *cause = x_vasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int ops_string_map(const cJSON *o, const char *field, char **cause)
{
    const cJSON *v;

    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return ops_fail(cause, "%s must be an object of strings", field);
    cJSON_ArrayForEach(v, o)
    {
        if (!cJSON_IsString(v))
            return ops_fail(cause, "%s.%s must be a string", field,
                            v->string ? v->string : "?");
    }
    return 0;
}

/* Rewrites a duration field K of O as a Go duration string. */
static int ops_duration_field(cJSON *o, const char *k, const char *field,
                              char **cause)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    long long ms;
    char text[48];

    if (!v || cJSON_IsNull(v))
        return 0;
    if (parse_json_duration_ms(v, &ms) == -1)
        return ops_fail(cause,
                        "%s.%s must be a duration (\"15s\" or nanoseconds)",
                        field, k);
    parse_format_duration(ms, text, sizeof text);
    cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateString(text));
    return 0;
}

static int ops_check_guest(const cJSON *g, char **cause)
{
    static const char *const ints[] = {"cpus", "memory_mb"};
    const cJSON *kind;
    size_t i;

    if (!g || cJSON_IsNull(g))
        return 0;
    if (!cJSON_IsObject(g))
        return ops_fail(cause, "config.guest must be an object");
    for (i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, ints[i]);

        if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
                  v->valuedouble > 1048576 ||
                  v->valuedouble - (double)v->valueint > 0))
            return ops_fail(cause, "config.guest.%s must be a positive integer",
                            ints[i]);
    }
    kind = cJSON_GetObjectItemCaseSensitive(g, "cpu_kind");
    if (kind && !cJSON_IsString(kind))
        return ops_fail(cause, "config.guest.cpu_kind must be a string");
    return 0;
}

static int ops_check_init(const cJSON *init, char **cause)
{
    static const char *const lists[] = {"exec", "entrypoint", "cmd"};
    size_t i;

    if (!init || cJSON_IsNull(init))
        return 0;
    if (!cJSON_IsObject(init))
        return ops_fail(cause, "config.init must be an object");
    for (i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(init, lists[i]);
        const cJSON *a;

        if (!v || cJSON_IsNull(v))
            continue;
        if (!cJSON_IsArray(v))
            return ops_fail(cause, "config.init.%s must be an array of strings",
                            lists[i]);
        cJSON_ArrayForEach(a, v)
        {
            if (!cJSON_IsString(a))
                return ops_fail(cause,
                                "config.init.%s must be an array of strings",
                                lists[i]);
        }
    }
    return 0;
}

static int ops_check_mounts(const char *app, const cJSON *mounts,
                            const char *machine_id, char **cause)
{
    const cJSON *mt;
    int n = 0;

    if (!mounts || cJSON_IsNull(mounts))
        return 0;
    if (!cJSON_IsArray(mounts))
        return ops_fail(cause, "config.mounts must be an array");
    cJSON_ArrayForEach(mt, mounts)
    {
        const cJSON *vol = cJSON_GetObjectItemCaseSensitive(mt, "volume");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(mt, "path");
        const struct st_volume *v;

        if (!cJSON_IsObject(mt) || !cJSON_IsString(vol) ||
            !cJSON_IsString(path) || path->valuestring[0] != '/')
            return ops_fail(cause,
                            "config.mounts[%d] needs \"volume\" (an id) "
                            "and \"path\" (absolute)",
                            n);
        if (n > 0)
            return ops_fail(cause,
                            "config.mounts: only one volume per machine");
        v = st_volume_find(app, vol->valuestring);
        if (!v || v->destroyed)
            return ops_fail(cause,
                            "config.mounts[0].volume: volume %s not found",
                            vol->valuestring);
        if (v->attached_machine_id &&
            (!machine_id || strcmp(v->attached_machine_id, machine_id) != 0)) {
            const struct st_machine *o =
                st_machine_by_id(v->attached_machine_id);

            if (o && !o->destroyed)
                return ops_fail(cause,
                                "config.mounts[0].volume: volume %s is already "
                                "attached to machine %s",
                                v->id, v->attached_machine_id);
        }
        n++;
    }
    return 0;
}

int ops_config_check(const char *app, const cJSON *config,
                     const char *machine_id, char **cause)
{
    const cJSON *image, *restart, *checks, *c;

    if (!cJSON_IsObject(config))
        return ops_fail(cause, "config is required (an object)");
    image = cJSON_GetObjectItemCaseSensitive(config, "image");
    if (!cJSON_IsString(image) || !image->valuestring[0])
        return ops_fail(cause, "config.image is required (a string)");
    if (ops_check_guest(cJSON_GetObjectItemCaseSensitive(config, "guest"),
                        cause) == -1)
        return -1;
    if (ops_string_map(cJSON_GetObjectItemCaseSensitive(config, "env"),
                       "config.env", cause) == -1 ||
        ops_string_map(cJSON_GetObjectItemCaseSensitive(config, "metadata"),
                       "config.metadata", cause) == -1)
        return -1;
    if (ops_check_mounts(app,
                         cJSON_GetObjectItemCaseSensitive(config, "mounts"),
                         machine_id, cause) == -1)
        return -1;
    if (ops_check_init(cJSON_GetObjectItemCaseSensitive(config, "init"),
                       cause) == -1)
        return -1;
    restart = cJSON_GetObjectItemCaseSensitive(config, "restart");
    if (restart && !cJSON_IsNull(restart)) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(restart, "policy");
        static const char *const ok[] = {"", "no", "always", "on-failure",
                                         "spot-price"};
        size_t i;

        if (!cJSON_IsObject(restart))
            return ops_fail(cause, "config.restart must be an object");
        if (p && !cJSON_IsString(p))
            return ops_fail(cause, "config.restart.policy must be a string");
        for (i = 0; p && i < sizeof ok / sizeof ok[0]; i++)
            if (strcmp(p->valuestring, ok[i]) == 0)
                break;
        if (p && i == sizeof ok / sizeof ok[0])
            return ops_fail(cause,
                            "config.restart.policy must be no, always or "
                            "on-failure");
    }
    checks = cJSON_GetObjectItemCaseSensitive(config, "checks");
    if (checks && !cJSON_IsNull(checks) && !cJSON_IsObject(checks))
        return ops_fail(cause, "config.checks must be an object");
    cJSON_ArrayForEach(c, checks)
    {
        if (!cJSON_IsObject(c))
            return ops_fail(cause, "config.checks.%s must be an object",
                            c->string ? c->string : "?");
    }
    return 0;
}

/* Fly-like normalisation of a checked config (owned): durations as
 * strings, init {} and guest defaults, mount names back-filled. */
static int ops_config_normalise(const char *app, cJSON *config, char **cause)
{
    cJSON *guest = cJSON_GetObjectItemCaseSensitive(config, "guest");
    cJSON *checks = cJSON_GetObjectItemCaseSensitive(config, "checks");
    cJSON *stop = cJSON_GetObjectItemCaseSensitive(config, "stop_config");
    cJSON *mounts = cJSON_GetObjectItemCaseSensitive(config, "mounts");
    cJSON *c, *mt;

    if (!cJSON_GetObjectItemCaseSensitive(config, "init"))
        cJSON_AddObjectToObject(config, "init");
    if (!cJSON_IsObject(guest)) {
        cJSON_DeleteItemFromObjectCaseSensitive(config, "guest");
        guest = cJSON_AddObjectToObject(config, "guest");
    }
    if (!cJSON_GetObjectItemCaseSensitive(guest, "cpu_kind"))
        cJSON_AddStringToObject(guest, "cpu_kind", "shared");
    if (!cJSON_GetObjectItemCaseSensitive(guest, "cpus"))
        cJSON_AddNumberToObject(guest, "cpus", 1);
    if (!cJSON_GetObjectItemCaseSensitive(guest, "memory_mb"))
        cJSON_AddNumberToObject(guest, "memory_mb", 256);
    cJSON_ArrayForEach(c, checks)
    {
        char *field = x_asprintf("config.checks.%s", c->string);
        int rc = ops_duration_field(c, "interval", field, cause);

        if (rc == 0)
            rc = ops_duration_field(c, "timeout", field, cause);
        if (rc == 0)
            rc = ops_duration_field(c, "grace_period", field, cause);
        free(field);
        if (rc == -1)
            return -1;
    }
    if (cJSON_IsObject(stop) &&
        ops_duration_field(stop, "timeout", "config.stop_config", cause) == -1)
        return -1;
    cJSON_ArrayForEach(mt, mounts)
    {
        const cJSON *vol = cJSON_GetObjectItemCaseSensitive(mt, "volume");
        const struct st_volume *v = st_volume_find(app, vol->valuestring);

        if (v && !cJSON_GetObjectItemCaseSensitive(mt, "name"))
            cJSON_AddStringToObject(mt, "name", v->name);
        if (v && !cJSON_GetObjectItemCaseSensitive(mt, "size_gb"))
            cJSON_AddNumberToObject(mt, "size_gb", v->size_gb);
    }
    return 0;
}

/* Checks and normalises a copy of CONFIG; NULL with *cause on error. */
static cJSON *ops_config_prepare(const char *app, const cJSON *config,
                                 const char *machine_id, char **cause)
{
    cJSON *copy;

    if (ops_config_check(app, config, machine_id, cause) == -1)
        return NULL;
    copy = cJSON_Duplicate(config, 1);
    if (ops_config_normalise(app, copy, cause) == -1) {
        cJSON_Delete(copy);
        return NULL;
    }
    return copy;
}

cJSON *ops_config_for_update(const char *app, const cJSON *config,
                             const char *machine_id, char **cause)
{
    return ops_config_prepare(app, config, machine_id, cause);
}

static int ops_name_taken(const char *app, const char *name)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        if (!st.machines[i]->destroyed &&
            strcmp(st.machines[i]->app, app) == 0 &&
            strcmp(st.machines[i]->name, name) == 0)
            return 1;
    return 0;
}

int ops_min_secrets(const struct st_app *a, const cJSON *body, long long *out,
                    char **cause)
{
    const cJSON *v =
        cJSON_GetObjectItemCaseSensitive(body, "min_secrets_version");

    *out = 0;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15 ||
        v->valuedouble - (double)(long long)v->valuedouble > 0) {
        ops_fail(cause, "min_secrets_version must be a whole number");
        return -1;
    }
    if ((long long)v->valuedouble > a->secrets.version) {
        ops_fail(cause,
                 "min_secrets_version %lld is ahead of the secrets of app %s "
                 "(version %lld)",
                 (long long)v->valuedouble, a->name, a->secrets.version);
        return -1;
    }
    *out = (long long)v->valuedouble;
    return 0;
}

struct st_machine *ops_machine_create(const char *app, const cJSON *body,
                                      int *status, char **cause)
{
    struct st_app *a = st_app_find(app);
    const cJSON *region = cJSON_GetObjectItemCaseSensitive(body, "region");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    const cJSON *skip = cJSON_GetObjectItemCaseSensitive(body, "skip_launch");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(body, "lease_ttl");
    struct st_machine *m;
    cJSON *config;
    const char *vid;
    char *id;
    long long minsec;

    *status = 400;
    if (!a) {
        *status = 404;
        ops_fail(cause, "app %s not found", app);
        return NULL;
    }
    if (ops_min_secrets(a, body, &minsec, cause) != 0)
        return NULL;
    if (region && !cJSON_IsNull(region) &&
        (!cJSON_IsString(region) || strlen(region->valuestring) < 2 ||
         strlen(region->valuestring) > 8)) {
        ops_fail(cause, "region must be a region code such as \"iad\"");
        return NULL;
    }
    if (name && !cJSON_IsNull(name) &&
        (!cJSON_IsString(name) || !name->valuestring[0] ||
         strlen(name->valuestring) > 63)) {
        ops_fail(cause, "name must be a non-empty string of at most 63 chars");
        return NULL;
    }
    if (skip && !cJSON_IsBool(skip) && !cJSON_IsNull(skip)) {
        ops_fail(cause, "skip_launch must be a boolean");
        return NULL;
    }
    if (ttl && !cJSON_IsNull(ttl) &&
        (!cJSON_IsNumber(ttl) || ttl->valuedouble < 1 ||
         ttl->valuedouble > 86400)) {
        ops_fail(cause, "lease_ttl must be a number of seconds");
        return NULL;
    }
    if (cJSON_IsString(name) && ops_name_taken(app, name->valuestring)) {
        *status = 422;
        ops_fail(cause, "machine name %s is already taken in app %s",
                 name->valuestring, app);
        return NULL;
    }
    config = ops_config_prepare(
        app, cJSON_GetObjectItemCaseSensitive(body, "config"), NULL, cause);
    if (!config)
        return NULL;
    m = st_machine_new();
    do {
        id = ids_machine();
        if (!st_machine_by_id(id))
            break;
        free(id);
    } while (1);
    m->id = id;
    m->app = x_strdup(app);
    m->region = x_strdup(cJSON_IsString(region) ? region->valuestring : "iad");
    if (cJSON_IsString(name)) {
        m->name = x_strdup(name->valuestring);
    } else {
        do {
            free(m->name);
            m->name = ids_name();
        } while (ops_name_taken(app, m->name));
    }
    m->instance_id = ids_ulid(-1);
    m->private_ip = st_alloc_ip();
    m->repmgr_node_id = a->next_node_id++;
    m->min_secrets_version = minsec;
    st_machine_set_config(m, config);
    vid = st_machine_volume_id(m);
    if (vid) {
        struct st_volume *v = st_volume_by_id(vid);

        free(v->attached_machine_id);
        v->attached_machine_id = x_strdup(m->id);
    }
    if (cJSON_IsNumber(ttl)) {
        m->lease.nonce = ids_nonce();
        m->lease.owner = x_strdup("local@pgdeck");
        m->lease.description = x_strdup("");
        m->lease.expires_at = ids_now_ms() / 1000 + (long long)ttl->valuedouble;
        m->create_nonce = x_strdup(m->lease.nonce);
    }
    st_machine_event(m, "launch", "created", "user");
    st_machine_add(m);
    if (!cJSON_IsTrue(skip)) {
        st_machine_set_state(m, "starting");
        ops_enqueue(m, ST_OP_START, 0, 0);
    }
    log_msg("machine %s (%s) created in app %s, ip %s", m->id, m->name, app,
            m->private_ip);
    return m;
}
