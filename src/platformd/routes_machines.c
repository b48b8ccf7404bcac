#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/ops.h"
#include "src/platformd/parse.h"
#include "src/platformd/render.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"

#define ROUTES_LEASE_HEADER "fly-machine-lease-nonce"

struct routes_filter {
    int include_deleted;
    int summary;
    const char *region;
    char *states; /* ",a,b," */
    const char *meta_keys[8];
    const char *meta_vals[8];
    size_t nmeta;
    int bad;
};

struct st_machine *routes_machine_lookup(struct http_req *r,
                                         int allow_destroyed)
{
    struct st_machine *m;

    if (!st_app_find(r->params[0])) {
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return NULL;
    }
    m = st_machine_find(r->params[0], r->params[1]);
    if (!m || (m->destroyed && !allow_destroyed)) {
        http_error(r, 404, "machine not found: %s", r->params[1]);
        return NULL;
    }
    return m;
}

int routes_host_check(struct http_req *r, const struct st_machine *m)
{
    if (!m->host_status)
        return 0;
    http_error(r, 503, "machine %s: its host is %s and cannot be reached",
               m->id, m->host_status);
    return -1;
}

void routes_stale_mark(struct st_machine *m)
{
    if (m->stale_s <= 0)
        return;
    /* A second change inside the window keeps the first's picture. */
    if (!m->stale_doc || ids_now_ms() >= m->stale_until_ms) {
        cJSON_Delete(m->stale_doc);
        m->stale_doc = render_machine(m, 0);
    }
    m->stale_until_ms = ids_now_ms() + (long long)m->stale_s * 1000;
    log_msg("fault: machine %s answers its previous state for %d s", m->id,
            m->stale_s);
}

int routes_lease_check(struct http_req *r, struct st_machine *m)
{
    const char *nonce = http_header(r, ROUTES_LEASE_HEADER);
    char t[40];

    if (routes_host_check(r, m) == -1)
        return -1;
    if (!st_lease_active(m, ids_now_ms() / 1000))
        return 0;
    if (nonce && strcmp(nonce, m->lease.nonce) == 0)
        return 0;
    ids_rfc3339(m->lease.expires_at * 1000, 0, t, sizeof t);
    http_error(r, 409,
               "machine ID %s lease currently held by %s, expires at %s", m->id,
               m->lease.owner ? m->lease.owner : "unknown", t);
    return -1;
}

static void routes_filter_arg(void *ctx, const char *key, const char *value)
{
    struct routes_filter *f = ctx;

    if (strcmp(key, "include_deleted") == 0) {
        f->include_deleted = parse_bool(value) == 1;
    } else if (strcmp(key, "summary") == 0) {
        f->summary = parse_bool(value) == 1;
    } else if (strcmp(key, "region") == 0) {
        f->region = value;
    } else if (strcmp(key, "state") == 0) {
        char *old = f->states;

        f->states = x_asprintf("%s%s,", old ? old : ",", value);
        free(old);
    } else if (strncmp(key, "metadata.", 9) == 0 && key[9]) {
        if (f->nmeta == 8) {
            f->bad = 1;
            return;
        }
        f->meta_keys[f->nmeta] = key + 9;
        f->meta_vals[f->nmeta++] = value;
    }
}

static int routes_filter_keep(const struct routes_filter *f,
                              const struct st_machine *m)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(m->config, "metadata");
    size_t i;

    if (m->destroyed && !f->include_deleted)
        return 0;
    if (f->region && *f->region && strcmp(f->region, m->region) != 0)
        return 0;
    if (f->states) {
        char *needle = x_asprintf(",%s,", m->state);
        int hit = strstr(f->states, needle) ? 1 : 0;

        free(needle);
        if (!hit)
            return 0;
    }
    for (i = 0; i < f->nmeta; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, f->meta_keys[i]);

        if (!cJSON_IsString(v) || strcmp(v->valuestring, f->meta_vals[i]) != 0)
            return 0;
    }
    return 1;
}

void routes_machines_list(struct http_req *r)
{
    struct routes_filter f;
    cJSON *arr;
    size_t i;

    memset(&f, 0, sizeof f);
    http_query_each(r, routes_filter_arg, &f);
    if (f.bad) {
        free(f.states);
        http_error(r, 400, "too many metadata.KEY filters (at most 8)");
        return;
    }
    if (f.states) {
        /* "state=a,b" is one comma-separated list; normalise spacing. */
        char *p;

        for (p = f.states; *p; p++)
            if (*p == ' ')
                *p = ',';
    }
    arr = cJSON_CreateArray();
    st_lock();
    if (!st_app_find(r->params[0])) {
        st_unlock();
        cJSON_Delete(arr);
        free(f.states);
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return;
    }
    for (i = 0; i < st.nmachines; i++) {
        const struct st_machine *m = st.machines[i];

        if (strcmp(m->app, r->params[0]) == 0 && routes_filter_keep(&f, m))
            cJSON_AddItemToArray(arr, render_machine(m, f.summary));
    }
    st_unlock();
    free(f.states);
    http_reply(r, 200, arr);
}

void routes_machines_get(struct http_req *r)
{
    struct st_machine *m;

    st_lock();
    m = routes_machine_lookup(r, 1);
    if (m && m->stale_doc && ids_now_ms() < m->stale_until_ms)
        http_reply(r, 200, cJSON_Duplicate(m->stale_doc, 1));
    else if (m)
        http_reply(r, 200, render_machine(m, 0));
    st_unlock();
}

void routes_machines_create(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    struct st_machine *m;
    char *cause = NULL;
    int status;

    if (!body)
        return;
    st_lock();
    m = ops_machine_create(r->params[0], body, &status, &cause);
    if (m) {
        st_changed();
        http_reply(r, 200, render_machine(m, 0));
        free(m->create_nonce);
        m->create_nonce = NULL;
    } else {
        http_error(r, status, "%s", cause);
    }
    st_unlock();
    free(cause);
    cJSON_Delete(body);
}

static int routes_same_volume(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

void routes_machines_update(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *skip, *region, *name;
    struct st_machine *m;
    cJSON *config = NULL;
    char *cause = NULL;
    const char *newvol;
    int was_started;
    long long minsec;

    if (!body)
        return;
    skip = cJSON_GetObjectItemCaseSensitive(body, "skip_launch");
    region = cJSON_GetObjectItemCaseSensitive(body, "region");
    name = cJSON_GetObjectItemCaseSensitive(body, "name");
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m || routes_lease_check(r, m) == -1)
        goto out;
    if (skip && !cJSON_IsBool(skip) && !cJSON_IsNull(skip)) {
        http_error(r, 400, "skip_launch must be a boolean");
        goto out;
    }
    if (cJSON_IsString(region) && region->valuestring[0] &&
        strcmp(region->valuestring, m->region) != 0) {
        http_error(r, 400, "region cannot be changed by an update");
        goto out;
    }
    if (cJSON_IsString(name) && name->valuestring[0] &&
        strcmp(name->valuestring, m->name) != 0) {
        http_error(r, 400, "name cannot be changed by an update");
        goto out;
    }
    if (strcmp(m->state, "destroying") == 0) {
        http_error(r, 400, "machine %s is being destroyed", m->id);
        goto out;
    }
    if (ops_min_secrets(st_app_find(m->app), body, &minsec, &cause) != 0) {
        http_error(r, 400, "%s", cause);
        goto out;
    }
    config = ops_config_for_update(
        m->app, cJSON_GetObjectItemCaseSensitive(body, "config"), m->id,
        &cause);
    if (!config) {
        http_error(r, 400, "%s", cause);
        goto out;
    }
    {
        const cJSON *mounts =
            cJSON_GetObjectItemCaseSensitive(config, "mounts");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(mounts, 0), "volume");

        newvol = cJSON_IsString(v) ? v->valuestring : NULL;
    }
    if (!routes_same_volume(newvol, st_machine_volume_id(m))) {
        http_error(r, 400,
                   "config.mounts: the volume of a machine cannot be changed; "
                   "destroy it and create a new one");
        cJSON_Delete(config);
        goto out;
    }
    was_started = strcmp(m->state, "stopped") != 0 &&
                  strcmp(m->state, "created") != 0 &&
                  strcmp(m->state, "failed") != 0;
    routes_stale_mark(m);
    st_machine_set_config(m, config);
    m->min_secrets_version = minsec;
    free(m->instance_id);
    m->instance_id = ids_ulid(-1);
    st_machine_event(m, "update", "replaced", "user");
    if (!cJSON_IsTrue(skip)) {
        if (was_started) {
            st_machine_set_state(m, "replacing");
            ops_enqueue(m, ST_OP_RESTART, 0, 0);
        } else {
            st_machine_set_state(m, "starting");
            ops_enqueue(m, ST_OP_START, 0, 0);
        }
    } else {
        m->updated_ms = ids_now_ms();
    }
    st_changed();
    http_reply(r, 200, render_machine(m, 0));
    log_msg("machine %s updated, instance %s", m->id, m->instance_id);
out:
    st_unlock();
    free(cause);
    cJSON_Delete(body);
}

void routes_machines_delete(struct http_req *r)
{
    const char *force = http_query(r, "force");
    const char *kill = http_query(r, "kill");
    int forced = parse_bool(force) == 1 || parse_bool(kill) == 1;
    struct st_machine *m;

    if ((force && parse_bool(force) == -1) ||
        (kill && parse_bool(kill) == -1)) {
        http_error(r, 400, "force/kill must be true or false");
        return;
    }
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m || routes_lease_check(r, m) == -1)
        goto out;
    if (strcmp(m->state, "destroying") == 0) {
        http_reply(r, 200, cJSON_Parse("{\"ok\":true}"));
        goto out;
    }
    if (!forced && strcmp(m->state, "stopped") != 0 &&
        strcmp(m->state, "created") != 0 && strcmp(m->state, "failed") != 0 &&
        strcmp(m->state, "suspended") != 0) {
        http_error(r, 412,
                   "unable to destroy machine, not currently stopped or "
                   "suspended (state %s); stop it first or use force=true",
                   m->state);
        goto out;
    }
    st_machine_set_state(m, "destroying");
    st_machine_event(m, "destroy", "destroying", "user");
    ops_enqueue(m, ST_OP_DESTROY, forced ? 9 : 0, 5);
    st_changed();
    http_reply(r, 200, cJSON_Parse("{\"ok\":true}"));
    log_msg("machine %s destroy requested", m->id);
out:
    st_unlock();
}

void routes_machines_events(struct http_req *r)
{
    const char *lim = http_query(r, "limit");
    long limit = 20;
    struct st_machine *m;
    cJSON *arr;
    size_t i;

    if (lim && parse_long(lim, 1, 1000, &limit) == -1) {
        http_error(r, 400, "limit must be a positive integer");
        return;
    }
    if (limit > 50)
        limit = 50;
    st_lock();
    m = routes_machine_lookup(r, 1);
    if (m) {
        arr = cJSON_CreateArray();
        for (i = 0; i < m->nevents && i < (size_t)limit; i++)
            cJSON_AddItemToArray(arr, render_event(&m->events[i]));
        http_reply(r, 200, arr);
    }
    st_unlock();
}
