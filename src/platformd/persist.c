#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/persist.h"
#include "src/platformd/runtime.h"
#include "src/platformd/secrets.h"
#include "src/platformd/state.h"

static char *persist_last_pgpass;

int persist_write_file(const char *path, const char *data, size_t len, int mode,
                       char **cause)
{
    char *tmp = x_asprintf("%s.tmp.%ld", path, (long)getpid());
    char *dir = x_strdup(path), *slash;
    int fd;
    size_t off = 0;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        goto fail;
    fchmod(fd, (mode_t)mode);
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            goto fail;
        }
        off += (size_t)n;
    }
    /* A test platform (--no-fsync) skips the syncs: only a host crash
     * could lose the file, and the rename keeps it whole otherwise. */
    if ((!rt_no_fsync() && fsync(fd) == -1) || close(fd) == -1)
        goto fail;
    if (rename(tmp, path) == -1)
        goto fail;
    slash = rt_no_fsync() ? NULL : strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(tmp);
    free(dir);
    return 0;
fail:
    if (cause)
        *cause = x_asprintf("cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    free(dir);
    return -1;
}

/* How a record's member is stored in state.json. */
enum persist_kind {
    PERSIST_STR,  /* char *, JSON string or null */
    PERSIST_INT,  /* int, JSON number */
    PERSIST_LL,   /* long long, JSON number */
    PERSIST_BOOL, /* int, JSON boolean */
};

/* One member of a record: its key in state.json, kind and place. */
struct persist_field {
    const char *key;
    enum persist_kind kind;
    size_t off;
};

/* The initialiser of a field: member M of struct T, stored as kind K. */
#define PERSIST_F(t, m, k) #m, k, offsetof(struct t, m)
#define PERSIST_N(a) (sizeof(a) / sizeof(a)[0])

static const struct persist_field persist_app_fields[] = {
    {PERSIST_F(st_app, id, PERSIST_STR)},
    {PERSIST_F(st_app, name, PERSIST_STR)},
    {PERSIST_F(st_app, org, PERSIST_STR)},
    {PERSIST_F(st_app, role, PERSIST_STR)},
    {PERSIST_F(st_app, next_node_id, PERSIST_INT)},
    {PERSIST_F(st_app, created_ms, PERSIST_LL)},
    {PERSIST_F(st_app, deleted, PERSIST_BOOL)},
};

/* A machine's members before its "config" ... */
static const struct persist_field persist_machine_head[] = {
    {PERSIST_F(st_machine, id, PERSIST_STR)},
    {PERSIST_F(st_machine, app, PERSIST_STR)},
    {PERSIST_F(st_machine, name, PERSIST_STR)},
    {PERSIST_F(st_machine, region, PERSIST_STR)},
    {PERSIST_F(st_machine, state, PERSIST_STR)},
    {PERSIST_F(st_machine, instance_id, PERSIST_STR)},
    {PERSIST_F(st_machine, private_ip, PERSIST_STR)},
};

/* ... and after it. */
static const struct persist_field persist_machine_tail[] = {
    {PERSIST_F(st_machine, created_ms, PERSIST_LL)},
    {PERSIST_F(st_machine, updated_ms, PERSIST_LL)},
    {PERSIST_F(st_machine, repmgr_node_id, PERSIST_INT)},
    {PERSIST_F(st_machine, min_secrets_version, PERSIST_LL)},
    {PERSIST_F(st_machine, cordoned, PERSIST_BOOL)},
    {PERSIST_F(st_machine, destroyed, PERSIST_BOOL)},
    {PERSIST_F(st_machine, restart_count, PERSIST_INT)},
};

static const struct persist_field persist_lease_fields[] = {
    {PERSIST_F(st_lease, nonce, PERSIST_STR)},
    {PERSIST_F(st_lease, owner, PERSIST_STR)},
    {PERSIST_F(st_lease, description, PERSIST_STR)},
    {PERSIST_F(st_lease, expires_at, PERSIST_LL)},
};

/* An event's exit members, present when it has_exit. */
static const struct persist_field persist_exit_fields[] = {
    {PERSIST_F(st_event, exit_code, PERSIST_INT)},
    {PERSIST_F(st_event, exit_signal, PERSIST_INT)},
    {PERSIST_F(st_event, requested_stop, PERSIST_BOOL)},
    {PERSIST_F(st_event, restarting, PERSIST_BOOL)},
};

static const struct persist_field persist_volume_fields[] = {
    {PERSIST_F(st_volume, id, PERSIST_STR)},
    {PERSIST_F(st_volume, app, PERSIST_STR)},
    {PERSIST_F(st_volume, name, PERSIST_STR)},
    {PERSIST_F(st_volume, region, PERSIST_STR)},
    {PERSIST_F(st_volume, zone, PERSIST_STR)},
    {PERSIST_F(st_volume, state, PERSIST_STR)},
    {PERSIST_F(st_volume, size_gb, PERSIST_INT)},
    {PERSIST_F(st_volume, encrypted, PERSIST_BOOL)},
    {PERSIST_F(st_volume, attached_machine_id, PERSIST_STR)},
    {PERSIST_F(st_volume, created_ms, PERSIST_LL)},
    {PERSIST_F(st_volume, snapshot_retention, PERSIST_INT)},
    {PERSIST_F(st_volume, auto_backup_enabled, PERSIST_BOOL)},
    {PERSIST_F(st_volume, last_auto_snapshot_ms, PERSIST_LL)},
    {PERSIST_F(st_volume, destroyed, PERSIST_BOOL)},
    {PERSIST_F(st_volume, destroyed_ms, PERSIST_LL)},
};

static const struct persist_field persist_snapshot_fields[] = {
    {PERSIST_F(st_snapshot, id, PERSIST_STR)},
    {PERSIST_F(st_snapshot, size, PERSIST_LL)},
    {PERSIST_F(st_snapshot, volume_size, PERSIST_LL)},
    {PERSIST_F(st_snapshot, digest, PERSIST_STR)},
    {PERSIST_F(st_snapshot, created_ms, PERSIST_LL)},
    {PERSIST_F(st_snapshot, retention_days, PERSIST_INT)},
    {PERSIST_F(st_snapshot, automatic, PERSIST_BOOL)},
};

/* Adds the N members F of record REC to object O, in table order. */
static void persist_put(cJSON *o, const void *rec,
                        const struct persist_field *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *p = (const char *)rec + f[i].off;
        const char *s;

        switch (f[i].kind) {
        case PERSIST_STR:
            s = *(char *const *)(const void *)p;
            if (s)
                cJSON_AddStringToObject(o, f[i].key, s);
            else
                cJSON_AddNullToObject(o, f[i].key);
            break;
        case PERSIST_INT:
            cJSON_AddNumberToObject(o, f[i].key, *(const int *)(const void *)p);
            break;
        case PERSIST_LL:
            cJSON_AddNumberToObject(
                o, f[i].key, (double)*(const long long *)(const void *)p);
            break;
        case PERSIST_BOOL:
            cJSON_AddBoolToObject(o, f[i].key, *(const int *)(const void *)p);
            break;
        }
    }
}

static cJSON *persist_app(const struct st_app *a)
{
    cJSON *o = cJSON_CreateObject();

    persist_put(o, a, persist_app_fields, PERSIST_N(persist_app_fields));
    cJSON_AddItemToObject(o, "secrets", sec_persist(a));
    return o;
}

static cJSON *persist_machine(const struct st_machine *m)
{
    cJSON *o = cJSON_CreateObject(), *ev = cJSON_AddArrayToObject(o, "events");
    size_t i;

    persist_put(o, m, persist_machine_head, PERSIST_N(persist_machine_head));
    cJSON_AddItemToObject(o, "config", cJSON_Duplicate(m->config, 1));
    persist_put(o, m, persist_machine_tail, PERSIST_N(persist_machine_tail));
    if (m->lease.nonce)
        persist_put(cJSON_AddObjectToObject(o, "lease"), &m->lease,
                    persist_lease_fields, PERSIST_N(persist_lease_fields));
    for (i = 0; i < m->nevents; i++) {
        const struct st_event *e = &m->events[i];
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "type", e->type);
        cJSON_AddStringToObject(j, "status", e->status);
        cJSON_AddStringToObject(j, "source", e->source);
        cJSON_AddNumberToObject(j, "ts", (double)e->ts_ms);
        if (e->has_exit)
            persist_put(j, e, persist_exit_fields,
                        PERSIST_N(persist_exit_fields));
        cJSON_AddItemToArray(ev, j);
    }
    return o;
}

static cJSON *persist_volume(const struct st_volume *v)
{
    cJSON *o = cJSON_CreateObject(), *sn = cJSON_AddArrayToObject(o, "snaps");
    size_t i;

    persist_put(o, v, persist_volume_fields, PERSIST_N(persist_volume_fields));
    for (i = 0; i < v->nsnaps; i++) {
        cJSON *j = cJSON_CreateObject();

        persist_put(j, v->snaps[i], persist_snapshot_fields,
                    PERSIST_N(persist_snapshot_fields));
        cJSON_AddItemToArray(sn, j);
    }
    return o;
}

static int persist_pgpass(char **cause)
{
    struct buf b = BUF_INIT;
    char *path;
    size_t i;
    int rc = 0;

    for (i = 0; i < st.nmachines; i++) {
        const struct st_machine *m = st.machines[i];
        const struct st_app *a = st_app_find(m->app);
        const char *pw = a ? sec_get(&a->secrets, "OPERATOR_PASSWORD") : NULL;

        if (m->destroyed || !m->is_postgres || !pw || !m->private_ip)
            continue;
        buf_printf(&b, "%s:%d:*:postgres:%s\n", m->private_ip, RT_PG_PORT, pw);
    }
    if (persist_last_pgpass && strcmp(persist_last_pgpass, buf_str(&b)) == 0) {
        x_wipe(b.data, b.len);
        buf_free(&b);
        return 0;
    }
    path = x_asprintf("%s/pgpass", st.dir);
    rc = persist_write_file(path, buf_str(&b), b.len, 0600, cause);
    free(path);
    if (rc == 0) {
        if (persist_last_pgpass) {
            x_wipe(persist_last_pgpass, strlen(persist_last_pgpass));
            free(persist_last_pgpass);
        }
        persist_last_pgpass = x_strdup(buf_str(&b));
    }
    if (b.data)
        x_wipe(b.data, b.len);
    buf_free(&b);
    return rc;
}

int persist_save(char **cause)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *apps = cJSON_AddArrayToObject(root, "apps");
    cJSON *machines = cJSON_AddArrayToObject(root, "machines");
    cJSON *volumes = cJSON_AddArrayToObject(root, "volumes");
    char *text, *path;
    size_t i;
    int rc;

    cJSON_AddNumberToObject(root, "format", 1);
    for (i = 0; i < st.napps; i++)
        cJSON_AddItemToArray(apps, persist_app(st.apps[i]));
    for (i = 0; i < st.nmachines; i++)
        cJSON_AddItemToArray(machines, persist_machine(st.machines[i]));
    for (i = 0; i < st.nvolumes; i++)
        cJSON_AddItemToArray(volumes, persist_volume(st.volumes[i]));
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        fatalx("persist: out of memory");
    path = x_asprintf("%s/state.json", st.dir);
    rc = persist_write_file(path, text, strlen(text), 0600, cause);
    x_wipe(text, strlen(text));
    free(text);
    free(path);
    if (rc == 0)
        rc = persist_pgpass(cause);
    return rc;
}

static char *persist_get_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? x_strdup(v->valuestring) : NULL;
}

static long long persist_get_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/*
 * Sets the N members F of record REC from object O: a missing or mistyped
 * key reads as NULL, 0 or false.  A string member's old value is freed.
 */
static void persist_get(const cJSON *o, void *rec,
                        const struct persist_field *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        void *p = (char *)rec + f[i].off;

        switch (f[i].kind) {
        case PERSIST_STR:
            free(*(char **)p);
            *(char **)p = persist_get_str(o, f[i].key);
            break;
        case PERSIST_INT:
            *(int *)p = (int)persist_get_num(o, f[i].key);
            break;
        case PERSIST_LL:
            *(long long *)p = persist_get_num(o, f[i].key);
            break;
        case PERSIST_BOOL:
            *(int *)p =
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, f[i].key));
            break;
        }
    }
}

/*
 * A state.json of a daemon before app secrets kept two passwords per app:
 * they become the app's secrets, with a new SU_PASSWORD and Consul URL, as
 * if the app had been created with them.
 */
static void persist_migrate_passwords(struct st_app *a, const cJSON *o)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "operator_password");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(o, "repl_password");
    char *cause = NULL;

    if (a->secrets.version > 0 || !cJSON_IsString(op) || !cJSON_IsString(rp) ||
        !a->name)
        return;
    if (sec_flex_defaults(a, op->valuestring, rp->valuestring, &cause) < 0) {
        log_msg("state.json: app %s: %s", a->name, cause);
        free(cause);
    }
    a->secrets_changed_ms = 0; /* spread long ago */
}

static void persist_load_app(const cJSON *o)
{
    struct st_app *a = x_calloc(1, sizeof *a);

    persist_get(o, a, persist_app_fields, PERSIST_N(persist_app_fields));
    sec_load(a, cJSON_GetObjectItemCaseSensitive(o, "secrets"));
    persist_migrate_passwords(a, o);
    if (!a->id || !a->name || !a->org) {
        log_msg("state.json: skipping an app without id/name/org");
        st_app_free(a);
        return;
    }
    if (!a->role)
        a->role = x_strdup("");
    if (a->next_node_id < 1)
        a->next_node_id = 1;
    st_app_add(a);
}

static void persist_load_machine(const cJSON *o)
{
    struct st_machine *m;
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(o, "config");
    const cJSON *lease = cJSON_GetObjectItemCaseSensitive(o, "lease");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "events");
    const cJSON *e;

    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "id")) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "app")) ||
        !cJSON_IsObject(cfg)) {
        log_msg("state.json: skipping a machine without id/app/config");
        return;
    }
    m = st_machine_new();
    persist_get(o, m, persist_machine_head, PERSIST_N(persist_machine_head));
    if (!m->state)
        m->state = x_strdup("stopped");
    st_machine_set_config(m, cJSON_Duplicate(cfg, 1));
    persist_get(o, m, persist_machine_tail, PERSIST_N(persist_machine_tail));
    if (!m->name)
        m->name = x_strdup(m->id);
    if (!m->region)
        m->region = x_strdup("iad");
    if (cJSON_IsObject(lease))
        persist_get(lease, &m->lease, persist_lease_fields,
                    PERSIST_N(persist_lease_fields));
    cJSON_ArrayForEach(e, ev)
    {
        struct st_event *x;
        char *t = persist_get_str(e, "type"), *s = persist_get_str(e, "status");
        char *src = persist_get_str(e, "source");

        if (m->nevents >= ST_MAX_EVENTS || !t || !s || !src) {
            free(t);
            free(s);
            free(src);
            continue;
        }
        x = &m->events[m->nevents++];
        memset(x, 0, sizeof *x);
        snprintf(x->type, sizeof x->type, "%s", t);
        snprintf(x->status, sizeof x->status, "%s", s);
        snprintf(x->source, sizeof x->source, "%s", src);
        x->ts_ms = persist_get_num(e, "ts");
        if (cJSON_GetObjectItemCaseSensitive(e, "exit_code")) {
            x->has_exit = 1;
            persist_get(e, x, persist_exit_fields,
                        PERSIST_N(persist_exit_fields));
        }
        free(t);
        free(s);
        free(src);
    }
    st_machine_add(m);
}

static void persist_load_volume(const cJSON *o)
{
    struct st_volume *v = x_calloc(1, sizeof *v);
    const cJSON *snaps = cJSON_GetObjectItemCaseSensitive(o, "snaps"), *j;

    persist_get(o, v, persist_volume_fields, PERSIST_N(persist_volume_fields));
    if (!v->id || !v->app) {
        log_msg("state.json: skipping a volume without id/app");
        st_volume_free(v);
        return;
    }
    if (!v->name)
        v->name = x_strdup("data");
    if (!v->region)
        v->region = x_strdup("iad");
    if (!v->zone)
        v->zone = x_strdup("0000");
    if (!v->state)
        v->state = x_strdup(v->destroyed ? "destroyed" : "created");
    cJSON_ArrayForEach(j, snaps)
    {
        struct st_snapshot *s = x_calloc(1, sizeof *s);

        persist_get(j, s, persist_snapshot_fields,
                    PERSIST_N(persist_snapshot_fields));
        if (!s->id) {
            st_snapshot_free(s);
            continue;
        }
        if (!s->digest)
            s->digest = x_strdup("");
        v->snaps = x_reallocarray(v->snaps, v->nsnaps + 1, sizeof *v->snaps);
        v->snaps[v->nsnaps++] = s;
    }
    st_volume_add(v);
}

int persist_load(char **cause)
{
    char *path = x_asprintf("%s/state.json", st.dir);
    struct buf b = BUF_INIT;
    char chunk[8192];
    cJSON *root, *j;
    FILE *f;
    size_t n;

    f = fopen(path, "re");
    if (!f) {
        int e = errno;

        free(path);
        if (e == ENOENT)
            return 0;
        if (cause)
            *cause = x_asprintf("cannot read state: %s", strerror(e));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    root = cJSON_Parse(buf_str(&b));
    if (b.data)
        x_wipe(b.data, b.len);
    buf_free(&b);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        if (cause)
            *cause = x_asprintf("%s is not valid JSON", path);
        free(path);
        return -1;
    }
    free(path);
    cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(root, "apps"))
        persist_load_app(j);
    cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(root, "machines"))
        persist_load_machine(j);
    cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(root, "volumes"))
        persist_load_volume(j);
    cJSON_Delete(root);
    return 0;
}
