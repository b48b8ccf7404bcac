#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan_lease: the leases of a run (plan.h, steps 1, 3 and 4 of the
 * runner).  Acquired one after the other before the first step, refreshed
 * every ttl / 3 while the plan runs, released at the end.  A lease held by
 * someone else refuses the plan with who holds it.
 */

#define PLAN_NONCE_HEADER "fly-machine-lease-nonce"

static void lease_next(struct plan_run *r);
static void lease_answer(const struct http_result *res, void *arg);
static void lease_who(const struct http_result *res, void *arg);
static void lease_refuse(struct plan_run *r, const char *why);
static void lease_refresh_tick(struct loop *l, uint64_t id, void *arg);
static void lease_refresh_answer(const struct http_result *res, void *arg);
static void lease_release_next(struct plan_run *r);
static void lease_release_answer(const struct http_result *res, void *arg);
static char *lease_body(const struct plan_run *r);
static void lease_set_nonce(struct plan_run *r, size_t i, const char *nonce);

char *plan_lease_path(const struct plan_run *r, const char *id)
{
    char *app = plan_run_app_esc(r), *e = http_escape(id), *p;

    p = x_asprintf("/apps/%s/machines/%s/lease", app, e);
    free(app);
    free(e);
    return p;
}

const char *plan_lease_nonce(const struct plan_run *r, const char *id)
{
    size_t i;

    if (!id || !r->lease_ids)
        return NULL;
    for (i = 0; i < r->j.plan->n_leases; i++)
        if (r->lease_ids[i] && strcmp(r->lease_ids[i], id) == 0)
            return r->lease_held[i] ? r->j.nonces[i] : NULL;
    return NULL;
}

static void lease_set_nonce(struct plan_run *r, size_t i, const char *nonce)
{
    if (r->j.nonces[i]) {
        x_wipe(r->j.nonces[i], strlen(r->j.nonces[i]));
        free(r->j.nonces[i]);
    }
    r->j.nonces[i] = nonce ? x_strdup(nonce) : NULL;
}

/* {"description": "pgdeck ACTION CLUSTER (ID)", "ttl": N}; owned. */
static char *lease_body(const struct plan_run *r)
{
    const struct plan *p = r->j.plan;
    cJSON *o = cJSON_CreateObject();
    char *d = x_asprintf("pgdeck %s %s (%s)", p->action, p->cluster, p->id);
    char *t;

    cJSON_AddStringToObject(o, "description", d);
    cJSON_AddNumberToObject(o, "ttl", r->ttl_s);
    t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(d);
    if (!t)
        fatalx("lease_body: out of memory");
    return t;
}

void plan_lease_acquire(struct plan_run *r)
{
    r->phase = PLAN_PHASE_LEASING;
    r->lease_i = 0;
    lease_next(r);
}

static void lease_refuse(struct plan_run *r, const char *why)
{
    /* A resumed plan that could not take its leases changed nothing in
     * this run: it stays resumable. */
    if (r->resumed)
        r->keep_open = 1;
    plan_run_finish(r, PLAN_OUTCOME_REFUSED, why);
}

static void lease_next(struct plan_run *r)
{
    const struct plan *p = r->j.plan;
    struct http_header hd;
    char *cause = NULL, *path, *body, *why;
    size_t i = r->lease_i;

    if (r->cancel) {
        if (r->j.aborting || r->resumed)
            r->keep_open = 1;
        plan_run_finish(r, PLAN_OUTCOME_ABORTED, "cancelled by the operator");
        return;
    }
    if (i >= p->n_leases) {
        if (plan_run_save(r, &cause) != 0) {
            why = x_asprintf("cannot write the journal: %s", cause);
            r->keep_open = 1;
            plan_run_finish(r, PLAN_OUTCOME_REFUSED, why);
            free(why);
            free(cause);
            return;
        }
        plan_lease_refresh_start(r);
        r->phase = PLAN_PHASE_IDLE;
        plan_run_kick(r);
        return;
    }
    free(r->lease_ids[i]);
    r->lease_ids[i] = plan_expand(p, p->leases[i], 1, &cause);
    if (!r->lease_ids[i]) {
        why = x_asprintf("lease %zu: %s", i + 1, cause);
        lease_refuse(r, why);
        free(why);
        free(cause);
        return;
    }
    path = plan_lease_path(r, r->lease_ids[i]);
    body = lease_body(r);
    hd.name = PLAN_NONCE_HEADER;
    hd.value = r->j.nonces[i];
    r->req = http_request(r->h, "POST", path, body, strlen(body), &hd,
                          r->j.nonces[i] ? 1 : 0, lease_answer, r);
    free(path);
    free(body);
}

static void lease_answer(const struct http_result *res, void *arg)
{
    struct plan_run *r = arg;
    size_t i = r->lease_i;
    const char *id = r->lease_ids[i];
    struct api_lease le;
    const char *nonce;
    char *cause = NULL, *why, *path;

    r->req = NULL;
    if (res->status >= 200 && res->status <= 299) {
        if (api_lease_decode(res->body, res->len, &le, &cause) != 0) {
            why = x_asprintf("cannot read the lease answer for machine %s: %s",
                             id, cause);
            lease_refuse(r, why);
            free(why);
            free(cause);
            return;
        }
        nonce = le.nonce[0] ? le.nonce : res->lease_nonce;
        if (!nonce || !nonce[0] || strpbrk(nonce, "\r\n")) {
            api_lease_free(&le);
            why =
                x_asprintf("the lease answer for machine %s has no nonce", id);
            lease_refuse(r, why);
            free(why);
            return;
        }
        lease_set_nonce(r, i, nonce);
        r->lease_held[i] = 1;
        api_lease_free(&le);
        r->lease_i++;
        lease_next(r);
        return;
    }
    if (res->status == 409) {
        /* Someone else holds it: ask who, for the message. */
        free(r->who_error);
        r->who_error = x_strdup(res->error ? res->error : "HTTP 409");
        path = plan_lease_path(r, id);
        r->req = http_get(r->h, path, lease_who, r);
        free(path);
        return;
    }
    why = x_asprintf("cannot lease machine %s: %s", id,
                     res->error ? res->error : "no answer");
    lease_refuse(r, why);
    free(why);
}

static void lease_who(const struct http_result *res, void *arg)
{
    struct plan_run *r = arg;
    const char *id = r->lease_ids[r->lease_i];
    struct api_lease le;
    char when[40], *why;

    r->req = NULL;
    if (res->status == 200 &&
        api_lease_decode(res->body, res->len, &le, NULL) == 0) {
        plan_iso_time(le.expires_at * 1000, when, sizeof when);
        why = x_asprintf("lease on machine %s held by %s%s%s%s until %s "
                         "(%s); nothing was changed",
                         id, le.owner[0] ? le.owner : "someone else",
                         le.description[0] ? " (\"" : "", le.description,
                         le.description[0] ? "\")" : "", when, r->who_error);
        api_lease_free(&le);
    } else {
        why = x_asprintf("lease on machine %s: %s; nothing was changed", id,
                         r->who_error);
    }
    lease_refuse(r, why);
    free(why);
}

/* ---- refresh ---- */

void plan_lease_refresh_start(struct plan_run *r)
{
    int64_t every = (int64_t)r->ttl_s * 1000 / 3;

    if (!r->j.plan->n_leases || r->refresh_timer)
        return;
    r->refresh_timer =
        loop_timer_add(r->l, every > 0 ? every : 1000, lease_refresh_tick, r);
}

void plan_lease_refresh_stop(struct plan_run *r)
{
    size_t i;

    if (r->refresh_timer)
        loop_timer_cancel(r->l, r->refresh_timer);
    r->refresh_timer = 0;
    for (i = 0; r->refresh_req && i < r->j.plan->n_leases; i++) {
        if (r->refresh_req[i])
            http_cancel(r->refresh_req[i]);
        r->refresh_req[i] = NULL;
    }
}

static void lease_refresh_tick(struct loop *l, uint64_t id, void *arg)
{
    struct plan_run *r = arg;
    struct http_header hd;
    char *path, *body;
    size_t i;

    (void)l;
    (void)id;
    r->refresh_timer = 0;
    body = lease_body(r);
    for (i = 0; i < r->j.plan->n_leases; i++) {
        if (!r->lease_held[i] || !r->j.nonces[i] || r->refresh_req[i])
            continue;
        path = plan_lease_path(r, r->lease_ids[i]);
        hd.name = PLAN_NONCE_HEADER;
        hd.value = r->j.nonces[i];
        r->refresh_req[i] =
            http_request(r->h, "POST", path, body, strlen(body), &hd, 1,
                         lease_refresh_answer, &r->lease_ctx[i]);
        free(path);
    }
    free(body);
    plan_lease_refresh_start(r);
}

static void lease_refresh_answer(const struct http_result *res, void *arg)
{
    struct plan_lease_ctx *c = arg;
    struct plan_run *r = c->r;
    size_t i = c->i;
    struct api_lease le;

    r->refresh_req[i] = NULL;
    if (res->status >= 200 && res->status <= 299) {
        if (api_lease_decode(res->body, res->len, &le, NULL) == 0) {
            if (le.nonce[0] && !strpbrk(le.nonce, "\r\n") &&
                strcmp(le.nonce, r->j.nonces[i]) != 0) {
                lease_set_nonce(r, i, le.nonce);
                (void)plan_run_save(r, NULL);
            }
            api_lease_free(&le);
        }
        return;
    }
    log_msg("plan %s: refreshing the lease on %s: %s", r->j.plan->id,
            r->lease_ids[i], res->error ? res->error : "no answer");
    if (res->status == 409 || res->status == 404) {
        /* Lost: the next request on that machine will be refused. */
        r->lease_held[i] = 0;
        plan_run_set_note(r, "lease on %s lost: %s", r->lease_ids[i],
                          res->error ? res->error : "");
    }
}

/* ---- release ---- */

void plan_lease_release(struct plan_run *r, void (*done)(struct plan_run *))
{
    r->release_done = done;
    r->lease_i = 0;
    lease_release_next(r);
}

static void lease_release_next(struct plan_run *r)
{
    struct http_header hd;
    char *path;
    size_t i;

    for (i = r->lease_i; i < r->j.plan->n_leases; i++) {
        if (!r->lease_held[i] || !r->j.nonces[i])
            continue;
        r->lease_i = i;
        path = plan_lease_path(r, r->lease_ids[i]);
        hd.name = PLAN_NONCE_HEADER;
        hd.value = r->j.nonces[i];
        r->req = http_request(r->h, "DELETE", path, NULL, 0, &hd, 1,
                              lease_release_answer, r);
        free(path);
        return;
    }
    r->lease_i = r->j.plan->n_leases;
    r->release_done(r);
}

static void lease_release_answer(const struct http_result *res, void *arg)
{
    struct plan_run *r = arg;
    size_t i = r->lease_i;
    char *t;

    r->req = NULL;
    /* 404: it expired or was never there; nothing to release. */
    if (res->status != 404 && (res->status < 200 || res->status > 299)) {
        t = x_asprintf("%s%slease on %s not released: %s",
                       r->release_error ? r->release_error : "",
                       r->release_error ? "; " : "", r->lease_ids[i],
                       res->error ? res->error : "no answer");
        free(r->release_error);
        r->release_error = t;
    }
    r->lease_held[i] = 0;
    lease_set_nonce(r, i, NULL);
    r->lease_i = i + 1;
    lease_release_next(r);
}
