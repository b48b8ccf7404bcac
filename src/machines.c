#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/http.h"
#include "src/log.h"
#include "src/machines.h"
#include "src/xmalloc.h"

/*
 * Each call makes a struct machines_req that carries the kind of answer to
 * decode and the caller's callback across the http request.  The client
 * keeps its live requests in a list so that machines_free() can cancel
 * them.
 */

struct machines_req {
    struct machines *m;
    struct machines_req *prev, *next;
    enum machines_kind kind;
    char *app;
    struct http_req *hr;
    machines_cb cb;
    void *arg;
};

struct machines {
    struct http *h;
    struct machines_req *head;
    size_t pending;
};

static struct machines_req *machines_start(struct machines *m,
                                           enum machines_kind kind,
                                           const char *app, char *path,
                                           machines_cb cb, void *arg);
static void machines_done(const struct http_result *res, void *arg);
static void machines_unlink(struct machines_req *r);
static void machines_decode(struct machines_req *r,
                            const struct http_result *res,
                            struct machines_result *out, char **cause);
static void machines_result_free(struct machines_result *out);
static const char *machines_what(enum machines_kind kind);

struct machines *machines_new(struct http *h)
{
    struct machines *m = x_calloc(1, sizeof *m);

    m->h = h;
    return m;
}

void machines_free(struct machines *m)
{
    if (!m)
        return;
    while (m->head)
        machines_cancel(m->head);
    free(m);
}

static void machines_unlink(struct machines_req *r)
{
    struct machines *m = r->m;

    if (r->prev)
        r->prev->next = r->next;
    else
        m->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    m->pending--;
}

static struct machines_req *machines_start(struct machines *m,
                                           enum machines_kind kind,
                                           const char *app, char *path,
                                           machines_cb cb, void *arg)
{
    struct machines_req *r = x_calloc(1, sizeof *r);

    r->m = m;
    r->kind = kind;
    r->app = x_strdup(app ? app : "");
    r->cb = cb;
    r->arg = arg;
    r->next = m->head;
    if (m->head)
        m->head->prev = r;
    m->head = r;
    m->pending++;
    r->hr = http_get(m->h, path, machines_done, r);
    free(path);
    return r;
}

struct machines_req *machines_list_apps(struct machines *m, const char *org,
                                        machines_cb cb, void *arg)
{
    char *e = http_escape(org && org[0] ? org : "personal");
    char *path = x_asprintf("/apps?org_slug=%s", e);

    free(e);
    return machines_start(m, MACHINES_APPS, "", path, cb, arg);
}

struct machines_req *machines_list_machines(struct machines *m, const char *app,
                                            machines_cb cb, void *arg)
{
    char *e = http_escape(app);
    char *path = x_asprintf("/apps/%s/machines", e);

    free(e);
    return machines_start(m, MACHINES_MACHINES, app, path, cb, arg);
}

struct machines_req *machines_get_machine(struct machines *m, const char *app,
                                          const char *id, machines_cb cb,
                                          void *arg)
{
    char *ea = http_escape(app), *ei = http_escape(id);
    char *path = x_asprintf("/apps/%s/machines/%s", ea, ei);

    free(ea);
    free(ei);
    return machines_start(m, MACHINES_MACHINE, app, path, cb, arg);
}

struct machines_req *machines_list_volumes(struct machines *m, const char *app,
                                           machines_cb cb, void *arg)
{
    char *e = http_escape(app);
    char *path = x_asprintf("/apps/%s/volumes", e);

    free(e);
    return machines_start(m, MACHINES_VOLUMES, app, path, cb, arg);
}

struct machines_req *machines_list_snapshots(struct machines *m,
                                             const char *app, const char *vol,
                                             machines_cb cb, void *arg)
{
    char *ea = http_escape(app), *ev = http_escape(vol);
    char *path = x_asprintf("/apps/%s/volumes/%s/snapshots", ea, ev);

    free(ea);
    free(ev);
    return machines_start(m, MACHINES_SNAPSHOTS, app, path, cb, arg);
}

void machines_cancel(struct machines_req *r)
{
    machines_unlink(r);
    if (r->hr)
        http_cancel(r->hr);
    free(r->app);
    free(r);
}

size_t machines_pending(const struct machines *m)
{
    return m->pending;
}

static const char *machines_what(enum machines_kind kind)
{
    switch (kind) {
    case MACHINES_APPS:
        return "list apps";
    case MACHINES_MACHINES:
        return "list machines";
    case MACHINES_MACHINE:
        return "get machine";
    case MACHINES_SNAPSHOTS:
        return "list snapshots";
    case MACHINES_VOLUMES:
    default:
        return "list volumes";
    }
}

static void machines_decode(struct machines_req *r,
                            const struct http_result *res,
                            struct machines_result *out, char **cause)
{
    int rc = 0;

    switch (r->kind) {
    case MACHINES_APPS:
        rc = api_apps_decode(res->body, res->len, &out->apps, &out->n_apps,
                             cause);
        break;
    case MACHINES_MACHINES:
        rc = api_machines_decode(res->body, res->len, &out->machines,
                                 &out->n_machines, cause);
        break;
    case MACHINES_MACHINE:
        out->machine = x_calloc(1, sizeof *out->machine);
        rc = api_machine_decode(res->body, res->len, out->machine, cause);
        if (rc != 0) {
            free(out->machine);
            out->machine = NULL;
        }
        break;
    case MACHINES_SNAPSHOTS:
        rc = api_snapshots_decode(res->body, res->len, &out->snapshots,
                                  &out->n_snapshots, cause);
        break;
    case MACHINES_VOLUMES:
    default:
        rc = api_volumes_decode(res->body, res->len, &out->volumes,
                                &out->n_volumes, cause);
        break;
    }
    (void)rc;
}

static void machines_result_free(struct machines_result *out)
{
    api_apps_free(out->apps, out->n_apps);
    api_machines_free(out->machines, out->n_machines);
    if (out->machine) {
        api_machine_free(out->machine);
        free(out->machine);
    }
    api_volumes_free(out->volumes, out->n_volumes);
    api_snapshots_free(out->snapshots, out->n_snapshots);
}

static void machines_done(const struct http_result *res, void *arg)
{
    struct machines_req *r = arg;
    struct machines_result out;
    char *cause = NULL, *error = NULL;

    r->hr = NULL; /* the http request is gone */
    machines_unlink(r);
    memset(&out, 0, sizeof out);
    out.kind = r->kind;
    out.status = res->status;
    out.attempts = res->attempts;
    out.elapsed_ms = res->elapsed_ms;
    out.app = r->app;
    if (res->error) {
        out.error = res->error;
        out.unreachable = res->status == 0;
    } else {
        machines_decode(r, res, &out, &cause);
        if (cause) {
            if (r->app[0])
                error = x_asprintf("%s of %s: %s", machines_what(r->kind),
                                   r->app, cause);
            else
                error = x_asprintf("%s: %s", machines_what(r->kind), cause);
            out.error = error;
            log_msg("machines: %s", error);
        }
    }
    r->cb(&out, r->arg);
    machines_result_free(&out);
    free(error);
    free(cause);
    free(r->app);
    free(r);
}
