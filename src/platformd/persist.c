#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/persist.h"
#include "src/platformd/runtime.h"
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
    if (fsync(fd) == -1 || close(fd) == -1)
        goto fail;
    if (rename(tmp, path) == -1)
        goto fail;
    slash = strrchr(dir, '/');
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

static void persist_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *persist_app(const struct st_app *a)
{
    cJSON *o = cJSON_CreateObject();

    persist_str(o, "id", a->id);
    persist_str(o, "name", a->name);
    persist_str(o, "org", a->org);
    persist_str(o, "role", a->role);
    persist_str(o, "operator_password", a->operator_password);
    persist_str(o, "repl_password", a->repl_password);
    cJSON_AddNumberToObject(o, "next_node_id", a->next_node_id);
    cJSON_AddNumberToObject(o, "created_ms", (double)a->created_ms);
    cJSON_AddBoolToObject(o, "deleted", a->deleted);
    return o;
}

static cJSON *persist_machine(const struct st_machine *m)
{
    cJSON *o = cJSON_CreateObject(), *ev = cJSON_AddArrayToObject(o, "events");
    size_t i;

    persist_str(o, "id", m->id);
    persist_str(o, "app", m->app);
    persist_str(o, "name", m->name);
    persist_str(o, "region", m->region);
    persist_str(o, "state", m->state);
    persist_str(o, "instance_id", m->instance_id);
    persist_str(o, "private_ip", m->private_ip);
    cJSON_AddItemToObject(o, "config", cJSON_Duplicate(m->config, 1));
    cJSON_AddNumberToObject(o, "created_ms", (double)m->created_ms);
    cJSON_AddNumberToObject(o, "updated_ms", (double)m->updated_ms);
    cJSON_AddNumberToObject(o, "repmgr_node_id", m->repmgr_node_id);
    cJSON_AddBoolToObject(o, "cordoned", m->cordoned);
    cJSON_AddBoolToObject(o, "destroyed", m->destroyed);
    cJSON_AddNumberToObject(o, "restart_count", m->restart_count);
    if (m->lease.nonce) {
        cJSON *l = cJSON_AddObjectToObject(o, "lease");

        persist_str(l, "nonce", m->lease.nonce);
        persist_str(l, "owner", m->lease.owner);
        persist_str(l, "description", m->lease.description);
        cJSON_AddNumberToObject(l, "expires_at", (double)m->lease.expires_at);
    }
    for (i = 0; i < m->nevents; i++) {
        const struct st_event *e = &m->events[i];
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "type", e->type);
        cJSON_AddStringToObject(j, "status", e->status);
        cJSON_AddStringToObject(j, "source", e->source);
        cJSON_AddNumberToObject(j, "ts", (double)e->ts_ms);
        if (e->has_exit) {
            cJSON_AddNumberToObject(j, "exit_code", e->exit_code);
            cJSON_AddNumberToObject(j, "exit_signal", e->exit_signal);
            cJSON_AddBoolToObject(j, "requested_stop", e->requested_stop);
            cJSON_AddBoolToObject(j, "restarting", e->restarting);
        }
        cJSON_AddItemToArray(ev, j);
    }
    return o;
}

static cJSON *persist_volume(const struct st_volume *v)
{
    cJSON *o = cJSON_CreateObject(), *sn = cJSON_AddArrayToObject(o, "snaps");
    size_t i;

    persist_str(o, "id", v->id);
    persist_str(o, "app", v->app);
    persist_str(o, "name", v->name);
    persist_str(o, "region", v->region);
    persist_str(o, "zone", v->zone);
    persist_str(o, "state", v->state);
    cJSON_AddNumberToObject(o, "size_gb", v->size_gb);
    cJSON_AddBoolToObject(o, "encrypted", v->encrypted);
    persist_str(o, "attached_machine_id", v->attached_machine_id);
    cJSON_AddNumberToObject(o, "created_ms", (double)v->created_ms);
    cJSON_AddNumberToObject(o, "snapshot_retention", v->snapshot_retention);
    cJSON_AddBoolToObject(o, "auto_backup_enabled", v->auto_backup_enabled);
    cJSON_AddNumberToObject(o, "last_auto_snapshot_ms",
                            (double)v->last_auto_snapshot_ms);
    cJSON_AddBoolToObject(o, "destroyed", v->destroyed);
    for (i = 0; i < v->nsnaps; i++) {
        const struct st_snapshot *s = v->snaps[i];
        cJSON *j = cJSON_CreateObject();

        persist_str(j, "id", s->id);
        cJSON_AddNumberToObject(j, "size", (double)s->size);
        cJSON_AddNumberToObject(j, "volume_size", (double)s->volume_size);
        persist_str(j, "digest", s->digest);
        cJSON_AddNumberToObject(j, "created_ms", (double)s->created_ms);
        cJSON_AddNumberToObject(j, "retention_days", s->retention_days);
        cJSON_AddBoolToObject(j, "automatic", s->automatic);
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

        if (m->destroyed || !m->is_postgres || !a || !a->operator_password ||
            !m->private_ip)
            continue;
        buf_printf(&b, "%s:%d:*:postgres:%s\n", m->private_ip, RT_PG_PORT,
                   a->operator_password);
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

static int persist_get_bool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void persist_load_app(const cJSON *o)
{
    struct st_app *a = x_calloc(1, sizeof *a);

    a->id = persist_get_str(o, "id");
    a->name = persist_get_str(o, "name");
    a->org = persist_get_str(o, "org");
    a->role = persist_get_str(o, "role");
    a->operator_password = persist_get_str(o, "operator_password");
    a->repl_password = persist_get_str(o, "repl_password");
    a->next_node_id = (int)persist_get_num(o, "next_node_id");
    a->created_ms = persist_get_num(o, "created_ms");
    a->deleted = persist_get_bool(o, "deleted");
    if (!a->id || !a->name || !a->org) {
        log_msg("state.json: skipping an app without id/name/org");
        free(a->id);
        free(a->name);
        free(a->org);
        free(a->role);
        free(a->operator_password);
        free(a->repl_password);
        free(a);
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
    char *id = persist_get_str(o, "id"), *app = persist_get_str(o, "app");

    if (!id || !app || !cJSON_IsObject(cfg)) {
        log_msg("state.json: skipping a machine without id/app/config");
        free(id);
        free(app);
        return;
    }
    m = st_machine_new();
    m->id = id;
    m->app = app;
    m->name = persist_get_str(o, "name");
    m->region = persist_get_str(o, "region");
    free(m->state);
    m->state = persist_get_str(o, "state");
    if (!m->state)
        m->state = x_strdup("stopped");
    m->instance_id = persist_get_str(o, "instance_id");
    m->private_ip = persist_get_str(o, "private_ip");
    st_machine_set_config(m, cJSON_Duplicate(cfg, 1));
    m->created_ms = persist_get_num(o, "created_ms");
    m->updated_ms = persist_get_num(o, "updated_ms");
    m->repmgr_node_id = (int)persist_get_num(o, "repmgr_node_id");
    m->cordoned = persist_get_bool(o, "cordoned");
    m->destroyed = persist_get_bool(o, "destroyed");
    m->restart_count = (int)persist_get_num(o, "restart_count");
    if (!m->name)
        m->name = x_strdup(m->id);
    if (!m->region)
        m->region = x_strdup("iad");
    if (cJSON_IsObject(lease)) {
        m->lease.nonce = persist_get_str(lease, "nonce");
        m->lease.owner = persist_get_str(lease, "owner");
        m->lease.description = persist_get_str(lease, "description");
        m->lease.expires_at = persist_get_num(lease, "expires_at");
    }
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
            x->exit_code = (int)persist_get_num(e, "exit_code");
            x->exit_signal = (int)persist_get_num(e, "exit_signal");
            x->requested_stop = persist_get_bool(e, "requested_stop");
            x->restarting = persist_get_bool(e, "restarting");
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

    v->id = persist_get_str(o, "id");
    v->app = persist_get_str(o, "app");
    v->name = persist_get_str(o, "name");
    v->region = persist_get_str(o, "region");
    v->zone = persist_get_str(o, "zone");
    v->state = persist_get_str(o, "state");
    v->size_gb = (int)persist_get_num(o, "size_gb");
    v->encrypted = persist_get_bool(o, "encrypted");
    v->attached_machine_id = persist_get_str(o, "attached_machine_id");
    v->created_ms = persist_get_num(o, "created_ms");
    v->snapshot_retention = (int)persist_get_num(o, "snapshot_retention");
    v->auto_backup_enabled = persist_get_bool(o, "auto_backup_enabled");
    v->last_auto_snapshot_ms = persist_get_num(o, "last_auto_snapshot_ms");
    v->destroyed = persist_get_bool(o, "destroyed");
    if (!v->id || !v->app) {
        log_msg("state.json: skipping a volume without id/app");
        free(v->id);
        free(v->app);
        free(v->name);
        free(v->region);
        free(v->zone);
        free(v->state);
        free(v->attached_machine_id);
        free(v);
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

        s->id = persist_get_str(j, "id");
        s->size = persist_get_num(j, "size");
        s->volume_size = persist_get_num(j, "volume_size");
        s->digest = persist_get_str(j, "digest");
        s->created_ms = persist_get_num(j, "created_ms");
        s->retention_days = (int)persist_get_num(j, "retention_days");
        s->automatic = persist_get_bool(j, "automatic");
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
