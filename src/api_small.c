#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/api_json.h"
#include "src/xmalloc.h"

/*
 * The small shapes: apps, leases, exec, the {"ok"} and start answers,
 * metadata, error bodies, and the string map every decoder uses.
 */

/* The apps envelope: {"total_apps": N, "apps": [...]}. */
struct small_apps {
    void *v;
    size_t n;
};

static int small_app(const struct api_json *o, void *dst);
static void small_app_clear(void *dst);
static int small_apps(const struct api_json *top, void *dst);
static int small_lease(const struct api_json *top, void *dst);
static void small_lease_clear(void *dst);
static int small_exec(const struct api_json *top, void *dst);
static void small_exec_clear(void *dst);
static int small_ok(const struct api_json *top, void *dst);
static void small_ok_clear(void *dst);
static int small_start(const struct api_json *top, void *dst);
static void small_start_clear(void *dst);
static int small_metadata(const struct api_json *top, void *dst);

static int small_app(const struct api_json *o, void *dst)
{
    struct api_app *a = dst;
    struct api_json org;

    if (api_json_want_object(o) < 0 || api_json_str(o, "id", &a->id) < 0 ||
        api_json_str(o, "name", &a->name) < 0 ||
        api_json_str(o, "status", &a->status) < 0 ||
        api_json_str(o, "network", &a->network) < 0 ||
        api_json_str(o, "app_role", &a->app_role) < 0 ||
        api_json_int(o, "machine_count", 0, INT_MAX, &a->machine_count) < 0 ||
        api_json_int(o, "volume_count", 0, INT_MAX, &a->volume_count) < 0 ||
        api_json_i64(o, "internal_numeric_id", 0, INT64_MAX,
                     &a->internal_numeric_id) < 0 ||
        api_json_child(o, "organization", &org) < 0 ||
        api_json_str(&org, "name", &a->org_name) < 0 ||
        api_json_str(&org, "slug", &a->org_slug) < 0)
        return -1;
    return 0;
}

static void small_app_clear(void *dst)
{
    struct api_app *a = dst;

    free(a->id);
    free(a->name);
    free(a->status);
    free(a->network);
    free(a->org_name);
    free(a->org_slug);
    free(a->app_role);
    memset(a, 0, sizeof *a);
}

int api_app_decode(const char *json, size_t len, struct api_app *out,
                   char **cause)
{
    return api_json_decode_one(json, len, "app", out, sizeof *out, small_app,
                               small_app_clear, cause);
}

static int small_apps(const struct api_json *top, void *dst)
{
    struct small_apps *l = dst;
    int64_t total;

    /* total_apps is checked for its type only: the list is what counts. */
    if (api_json_want_object(top) < 0 ||
        api_json_i64(top, "total_apps", 0, INT64_MAX, &total) < 0)
        return -1;
    return api_json_objects(top, "apps", sizeof(struct api_app), small_app,
                            small_app_clear, &l->v, &l->n);
}

int api_apps_decode(const char *json, size_t len, struct api_app **out,
                    size_t *n, char **cause)
{
    struct small_apps l;
    int rc = api_json_decode_one(json, len, "", &l, sizeof l, small_apps, NULL,
                                 cause);

    *out = l.v;
    *n = l.n;
    return rc;
}

void api_app_free(struct api_app *a)
{
    if (a)
        small_app_clear(a);
}

void api_apps_free(struct api_app *v, size_t n)
{
    api_json_free_list(v, n, sizeof *v, small_app_clear);
}

static int small_lease(const struct api_json *top, void *dst)
{
    struct api_lease *l = dst;
    struct api_json data;

    if (api_json_want_object(top) < 0 ||
        api_json_str(top, "status", &l->status) < 0 ||
        api_json_str(top, "message", &l->message) < 0 ||
        api_json_child(top, "data", &data) < 0 ||
        api_json_str(&data, "nonce", &l->nonce) < 0 ||
        api_json_str(&data, "owner", &l->owner) < 0 ||
        api_json_str(&data, "description", &l->description) < 0 ||
        api_json_str(&data, "version", &l->version) < 0 ||
        api_json_i64(&data, "expires_at", 0, INT64_MAX, &l->expires_at) < 0 ||
        api_json_bool(&data, "ok", &l->ok) < 0)
        return -1;
    return 0;
}

static void small_lease_clear(void *dst)
{
    struct api_lease *l = dst;

    free(l->status);
    free(l->message);
    free(l->nonce);
    free(l->owner);
    free(l->description);
    free(l->version);
    memset(l, 0, sizeof *l);
}

int api_lease_decode(const char *json, size_t len, struct api_lease *out,
                     char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out, small_lease,
                               small_lease_clear, cause);
}

void api_lease_free(struct api_lease *l)
{
    if (l)
        small_lease_clear(l);
}

static int small_exec(const struct api_json *top, void *dst)
{
    struct api_exec_result *r = dst;

    if (api_json_want_object(top) < 0 ||
        api_json_int(top, "exit_code", INT_MIN, INT_MAX, &r->exit_code) < 0 ||
        api_json_int(top, "exit_signal", INT_MIN, INT_MAX, &r->exit_signal) <
            0 ||
        api_json_str_max(top, "stdout", API_MAX_OUTPUT, &r->stdout_text) < 0 ||
        api_json_str_max(top, "stderr", API_MAX_OUTPUT, &r->stderr_text) < 0)
        return -1;
    return 0;
}

static void small_exec_clear(void *dst)
{
    struct api_exec_result *r = dst;

    free(r->stdout_text);
    free(r->stderr_text);
    memset(r, 0, sizeof *r);
}

int api_exec_decode(const char *json, size_t len, struct api_exec_result *out,
                    char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out, small_exec,
                               small_exec_clear, cause);
}

void api_exec_free(struct api_exec_result *r)
{
    if (r)
        small_exec_clear(r);
}

static int small_ok(const struct api_json *top, void *dst)
{
    struct api_ok *o = dst;

    if (api_json_want_object(top) < 0 || api_json_bool(top, "ok", &o->ok) < 0 ||
        api_json_str(top, "state", &o->state) < 0)
        return -1;
    return 0;
}

static void small_ok_clear(void *dst)
{
    struct api_ok *o = dst;

    free(o->state);
    memset(o, 0, sizeof *o);
}

int api_ok_decode(const char *json, size_t len, struct api_ok *out,
                  char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out, small_ok,
                               small_ok_clear, cause);
}

void api_ok_free(struct api_ok *o)
{
    if (o)
        small_ok_clear(o);
}

static int small_start(const struct api_json *top, void *dst)
{
    struct api_start *s = dst;

    if (api_json_want_object(top) < 0 ||
        api_json_str(top, "previous_state", &s->previous_state) < 0 ||
        api_json_str(top, "status", &s->status) < 0 ||
        api_json_str(top, "message", &s->message) < 0 ||
        api_json_str(top, "new_host", &s->new_host) < 0 ||
        api_json_bool(top, "migrated", &s->migrated) < 0)
        return -1;
    return 0;
}

static void small_start_clear(void *dst)
{
    struct api_start *s = dst;

    free(s->previous_state);
    free(s->status);
    free(s->message);
    free(s->new_host);
    memset(s, 0, sizeof *s);
}

int api_start_decode(const char *json, size_t len, struct api_start *out,
                     char **cause)
{
    return api_json_decode_one(json, len, "", out, sizeof *out, small_start,
                               small_start_clear, cause);
}

void api_start_free(struct api_start *s)
{
    if (s)
        small_start_clear(s);
}

static int small_metadata(const struct api_json *top, void *dst)
{
    return api_json_map_self(top, dst);
}

int api_metadata_decode(const char *json, size_t len, struct api_map *out,
                        char **cause)
{
    return api_json_decode_one(json, len, "metadata", out, sizeof *out,
                               small_metadata, NULL, cause);
}

void api_error_decode(const char *body, size_t len, int http_status,
                      struct api_error *out)
{
    struct api_json top;
    char *err = NULL, *message = NULL, *error = NULL;
    const char *text;
    cJSON *tree = NULL;

    memset(out, 0, sizeof *out);
    out->http_status = http_status;
    if (body && len > 0)
        tree = api_json_parse(body, len, "", &top, &err);
    if (tree && api_json_want_object(&top) == 0 &&
        api_json_str(&top, "message", &message) == 0 &&
        api_json_str(&top, "error", &error) == 0 &&
        api_json_str(&top, "status", &out->status) == 0 &&
        (message[0] || error[0])) {
        text = message[0] ? message : error;
        out->message =
            api_json_sanitize(text, strlen(text), API_MAX_ERROR_TEXT);
    } else if (body && len > 0) {
        /* Not the error shape: show the body itself, fly-go style. */
        out->message = api_json_sanitize(body, len, API_MAX_ERROR_TEXT);
    }
    if (!out->message || !out->message[0]) {
        free(out->message);
        out->message = x_asprintf("HTTP %d", http_status);
    }
    if (!out->status)
        out->status = x_strdup("");
    free(message);
    free(error);
    api_json_end(tree, 0, err, NULL);
}

void api_error_free(struct api_error *e)
{
    if (!e)
        return;
    free(e->message);
    free(e->status);
    memset(e, 0, sizeof *e);
}

const char *api_map_get(const struct api_map *m, const char *key)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        if (m->items[i].key && strcmp(m->items[i].key, key) == 0)
            return m->items[i].value;
    return NULL;
}

void api_map_free(struct api_map *m)
{
    size_t i;

    if (!m)
        return;
    for (i = 0; i < m->n; i++) {
        free(m->items[i].key);
        free(m->items[i].value);
    }
    free(m->items);
    memset(m, 0, sizeof *m);
}
