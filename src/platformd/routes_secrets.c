#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/parse.h"
#include "src/platformd/routes.h"
#include "src/platformd/secrets.h"
#include "src/platformd/state.h"

/*
 * routes_secrets: /v1/apps/:app/secrets, as fly-go's flaps client calls it
 * (doc/architecture.md "Secrets and the flex boot").  Values go in, never
 * out: a list or a get answers names, digests and times.
 */

/* The app of the path (lock held), or NULL after a 404. */
static struct st_app *secrets_app(struct http_req *r)
{
    struct st_app *a = st_app_find(r->params[0]);

    if (!a)
        http_error(r, 404, "Could not find App \"%s\"", r->params[0]);
    return a;
}

/* Refuses show_secrets=true (lock held); -1 after answering. */
static int secrets_no_show(struct http_req *r)
{
    const char *show = http_query(r, "show_secrets");

    if (show && strcmp(show, "false") != 0) {
        http_error(r, 403,
                   "secret values are write-only: this platform never "
                   "returns them (show_secrets)");
        return -1;
    }
    return 0;
}

/* The set of the ?version= query (lock held), or NULL after an error. */
static const struct st_secrets *secrets_version(struct http_req *r,
                                                const struct st_app *a)
{
    const char *q = http_query(r, "version");
    long v;

    if (!q)
        return &a->secrets;
    if (parse_long(q, 0, 1L << 30, &v) != 0) {
        http_error(r, 400, "version: expected a whole number, got \"%s\"", q);
        return NULL;
    }
    if (v == a->secrets.version)
        return &a->secrets;
    if (v == a->prev.version && a->prev.version > 0)
        return &a->prev;
    http_error(r, 404, "secrets version %ld of app %s not found", v, a->name);
    return NULL;
}

/* For a GET: takes the lock and returns the set asked for, or answers the
 * error, drops the lock and returns NULL. */
static const struct st_secrets *secrets_read_lock(struct http_req *r)
{
    const struct st_secrets *s;
    struct st_app *a;

    st_lock();
    a = secrets_app(r);
    s = a && secrets_no_show(r) == 0 ? secrets_version(r, a) : NULL;
    if (!s)
        st_unlock();
    return s;
}

static cJSON *secrets_list_json(const struct st_secrets *s)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    for (i = 0; i < s->n; i++)
        cJSON_AddItemToArray(arr, sec_render(&s->v[i]));
    return arr;
}

void routes_secrets_list(struct http_req *r)
{
    const struct st_secrets *s = secrets_read_lock(r);
    cJSON *o;

    if (!s)
        return;
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "secrets", secrets_list_json(s));
    http_reply(r, 200, o);
    st_unlock();
}

void routes_secrets_get(struct http_req *r)
{
    const struct st_secrets *s = secrets_read_lock(r);
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, r->params[1]) == 0) {
            http_reply(r, 200, sec_render(&s->v[i]));
            st_unlock();
            return;
        }
    st_unlock();
    http_error(r, 404, "secret %s not found in app %s", r->params[1],
               r->params[0]);
}

/* Applies VALUES to the app of the path and answers with WHAT (lock taken
 * here).  WHAT: 0 the whole list and the version, 1 the one secret NAME and
 * the version, 2 the version only. */
static void secrets_apply(struct http_req *r, const cJSON *values, int what,
                          const char *name)
{
    struct st_app *a;
    char *cause = NULL;
    long long v;
    cJSON *o;
    size_t i;

    st_lock();
    a = secrets_app(r);
    if (!a) {
        st_unlock();
        return;
    }
    v = sec_update(a, values, &cause);
    if (v < 0) {
        st_unlock();
        http_error(r, 400, "%s", cause);
        free(cause);
        return;
    }
    st_changed();
    o = cJSON_CreateObject();
    if (what == 0)
        cJSON_AddItemToObject(o, "secrets", secrets_list_json(&a->secrets));
    for (i = 0; what == 1 && i < a->secrets.n; i++)
        if (strcmp(a->secrets.v[i].name, name) == 0) {
            cJSON_Delete(o);
            o = sec_render(&a->secrets.v[i]);
        }
    cJSON_AddNumberToObject(o, "version", (double)v);
    http_reply(r, 200, o);
    st_unlock();
    log_msg("app %s: secrets version %lld", r->params[0], v);
}

void routes_secrets_update(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *values;

    if (!body)
        return;
    values = cJSON_GetObjectItemCaseSensitive(body, "values");
    if (!cJSON_IsObject(values))
        http_error(r, 400,
                   "values is required: an object of NAME: \"value\" (set) "
                   "or NAME: null (unset)");
    else
        secrets_apply(r, values, 0, NULL);
    cJSON_Delete(body);
}

void routes_secrets_set(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1), *values;
    const cJSON *value;

    if (!body)
        return;
    value = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(value)) {
        http_error(r, 400, "value is required (a string)");
        cJSON_Delete(body);
        return;
    }
    values = cJSON_CreateObject();
    cJSON_AddStringToObject(values, r->params[1], value->valuestring);
    secrets_apply(r, values, 1, r->params[1]);
    cJSON_Delete(values);
    cJSON_Delete(body);
}

void routes_secrets_delete(struct http_req *r)
{
    struct st_app *a;
    cJSON *values;

    st_lock();
    a = secrets_app(r);
    if (a && !sec_get(&a->secrets, r->params[1])) {
        st_unlock();
        http_error(r, 404, "secret %s not found in app %s", r->params[1],
                   r->params[0]);
        return;
    }
    st_unlock();
    if (!a)
        return;
    values = cJSON_CreateObject();
    cJSON_AddNullToObject(values, r->params[1]);
    secrets_apply(r, values, 2, NULL);
    cJSON_Delete(values);
}
