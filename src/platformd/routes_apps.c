#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/ops.h"
#include "src/platformd/render.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

struct routes_apps_reap {
    char *app;
    char **vols;
    size_t nvols;
};

static int routes_apps_name_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
            s[i] != '-')
            return 0;
    return 1;
}

void routes_apps_list(struct http_req *r)
{
    const char *org = http_query(r, "org_slug");
    const char *role = http_query(r, "app_role");
    cJSON *o = cJSON_CreateObject(), *arr;
    int n = 0;
    size_t i;

    arr = cJSON_CreateArray();
    st_lock();
    for (i = 0; i < st.napps; i++) {
        const struct st_app *a = st.apps[i];

        if (a->deleted || (org && *org && strcmp(a->org, org) != 0))
            continue;
        if (role && *role && strcmp(a->role, role) != 0)
            continue;
        cJSON_AddItemToArray(arr, render_app(a));
        n++;
    }
    st_unlock();
    cJSON_AddNumberToObject(o, "total_apps", n);
    cJSON_AddItemToObject(o, "apps", arr);
    http_reply(r, 200, o);
}

void routes_apps_get(struct http_req *r)
{
    const struct st_app *a;

    st_lock();
    a = st_app_find(r->params[0]);
    if (a)
        http_reply(r, 200, render_app(a));
    else
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
    st_unlock();
}

void routes_apps_create(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *name, *org, *role;
    struct st_app *a;

    if (!body)
        return;
    name = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!name || cJSON_IsNull(name))
        name = cJSON_GetObjectItemCaseSensitive(body, "app_name");
    org = cJSON_GetObjectItemCaseSensitive(body, "org_slug");
    role = cJSON_GetObjectItemCaseSensitive(body, "app_role_id");
    if (!cJSON_IsString(name) || !routes_apps_name_ok(name->valuestring)) {
        http_error(r, 400,
                   "name (or app_name) is required: 1-63 chars of a-z, 0-9 "
                   "and '-'");
        goto out;
    }
    if (!cJSON_IsString(org) || !org->valuestring[0]) {
        http_error(r, 400, "org_slug is required (a string)");
        goto out;
    }
    if (role && !cJSON_IsNull(role) && !cJSON_IsString(role)) {
        http_error(r, 400, "app_role_id must be a string");
        goto out;
    }
    st_lock();
    if (st_app_find(name->valuestring)) {
        st_unlock();
        http_error(r, 422, "Name has already been taken: app %s exists",
                   name->valuestring);
        goto out;
    }
    a = x_calloc(1, sizeof *a);
    a->id = ids_app();
    a->name = x_strdup(name->valuestring);
    a->org = x_strdup(org->valuestring);
    a->role = x_strdup(cJSON_IsString(role) ? role->valuestring : "");
    a->next_node_id = 1;
    a->created_ms = ids_now_ms();
    st_app_add(a);
    st_changed();
    http_reply(r, 201, render_app(a));
    st_unlock();
    log_msg("app %s created in org %s", name->valuestring, org->valuestring);
out:
    cJSON_Delete(body);
}

static int routes_apps_machines_gone(const char *app)
{
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        if (strcmp(st.machines[i]->app, app) == 0 &&
            (!st.machines[i]->destroyed || st.machines[i]->worker_running))
            return 0;
    return 1;
}

static void *routes_apps_reaper(void *arg)
{
    struct routes_apps_reap *rp = arg;
    size_t i;

    st_lock();
    while (!routes_apps_machines_gone(rp->app) && !st.shutting_down)
        st_wait_until(ids_now_ms() + 1000);
    st_unlock();
    for (i = 0; i < rp->nvols; i++) {
        char *cause = NULL;

        if (vol_destroy(rp->vols[i], &cause) == -1) {
            log_msg("app %s: destroying volume %s: %s", rp->app, rp->vols[i],
                    cause);
            free(cause);
        }
        free(rp->vols[i]);
    }
    free(rp->vols);
    free(rp->app);
    free(rp);
    return NULL;
}

void routes_apps_delete(struct http_req *r)
{
    struct st_app *a;
    struct routes_apps_reap *rp;
    pthread_attr_t attr;
    pthread_t t;
    size_t i;

    st_lock();
    a = st_app_find(r->params[0]);
    if (!a) {
        st_unlock();
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
        return;
    }
    rp = x_calloc(1, sizeof *rp);
    rp->app = x_strdup(a->name);
    for (i = 0; i < st.nmachines; i++) {
        struct st_machine *m = st.machines[i];

        if (m->destroyed || strcmp(m->app, a->name) != 0)
            continue;
        if (strcmp(m->state, "destroying") != 0) {
            st_machine_set_state(m, "destroying");
            ops_enqueue(m, ST_OP_DESTROY, 9, 5);
        }
    }
    for (i = 0; i < st.nvolumes; i++) {
        struct st_volume *v = st.volumes[i];

        if (v->destroyed || strcmp(v->app, a->name) != 0)
            continue;
        v->destroyed = 1;
        free(v->state);
        v->state = x_strdup("destroyed");
        rp->vols = x_reallocarray(rp->vols, rp->nvols + 1, sizeof *rp->vols);
        rp->vols[rp->nvols++] = x_strdup(v->id);
    }
    a->deleted = 1;
    st_changed();
    st_unlock();
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, routes_apps_reaper, rp) != 0)
        routes_apps_reaper(rp);
    pthread_attr_destroy(&attr);
    log_msg("app %s deleted", r->params[0]);
    http_reply(r, 202, NULL);
}
