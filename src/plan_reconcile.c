#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/http.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan_reconcile: on resume, whether the step that was in flight already
 * took effect (enum plan_reconcile): a machine create is looked for by its
 * tag, a volume create by name, region and time, a CHECK step by its
 * probe.  Done: the step is skipped (adopting the machine's or volume's id
 * into its capture variable).  Not done: it runs again.  Cannot tell (no
 * answer, 5xx, an unreadable list): the run ends REFUSED with nothing
 * sent, and the journal stays resumable.
 */

/* A volume created this long before the step began is still adopted
 * (second-granular created_at, clocks of two hosts). */
#define PLAN_RECONCILE_SLACK_MS 5000

static void reconcile_answer(const struct http_result *res, void *arg);
static void reconcile_fail(struct plan_run *r, const char *why);

static void reconcile_fail(struct plan_run *r, const char *why)
{
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    char *title = plan_expand(r->j.plan, s->title, 0, NULL);
    char *t = x_asprintf("cannot tell whether step %zu (%s) took effect: "
                         "%s; nothing was sent, the plan stays resumable",
                         r->j.current + 1, title, why);

    r->keep_open = 1;
    plan_run_finish(r, PLAN_OUTCOME_REFUSED, t);
    free(t);
    free(title);
}

void plan_reconcile_start(struct plan_run *r)
{
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    char *cause = NULL, *app, *path = NULL, *body = NULL;
    const char *nonce;
    struct http_header hd;

    if (s->reconcile == PLAN_RECONCILE_RERUN ||
        (s->reconcile == PLAN_RECONCILE_CHECK && !s->check)) {
        plan_run_step_begin(r);
        return;
    }
    plan_run_clear_x(r);
    r->phase = PLAN_PHASE_RECONCILE;
    app = plan_run_app_esc(r);
    if (s->reconcile == PLAN_RECONCILE_FIND_MACHINE) {
        /* x_lease holds the tag while reconciling (cleared after). */
        r->x_lease = plan_expand(r->j.plan, s->tag, 1, &cause);
        path = x_asprintf("/apps/%s/machines", app);
    } else if (s->reconcile == PLAN_RECONCILE_FIND_VOLUME) {
        r->x_body = plan_expand(r->j.plan, s->req.body, 1, &cause);
        path = x_asprintf("/apps/%s/volumes", app);
    } else {
        path = plan_expand(r->j.plan, s->check->req.path, 1, &cause);
        if (path && s->check->req.body)
            body = plan_expand(r->j.plan, s->check->req.body, 1, &cause);
    }
    free(app);
    if (cause) {
        reconcile_fail(r, cause);
        free(cause);
        free(path);
        free(body);
        return;
    }
    r->x_path = x_strdup(path);
    if (s->reconcile == PLAN_RECONCILE_CHECK) {
        char *lease =
            s->lease ? plan_expand(r->j.plan, s->lease, 0, NULL) : NULL;

        nonce = plan_lease_nonce(r, lease);
        free(lease);
        hd.name = "fly-machine-lease-nonce";
        hd.value = nonce;
        r->req = http_request(r->h, s->check->req.method, path, body,
                              body ? strlen(body) : 0, &hd, nonce ? 1 : 0,
                              reconcile_answer, r);
    } else {
        r->req = http_get(r->h, path, reconcile_answer, r);
    }
    free(path);
    free(body);
}

static void reconcile_answer(const struct http_result *res, void *arg)
{
    struct plan_run *r = arg;
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    struct plan_answer a = {
        res->status,          res->body, res->len, res->error,
        r->j.step_started_ms, NULL};
    char *id = NULL, *cause = NULL, *why, *name = NULL, *region = NULL;
    cJSON *b;
    const cJSON *v;
    int rc;

    r->req = NULL;
    if (res->status == 0 || res->status >= 500 ||
        (s->reconcile != PLAN_RECONCILE_CHECK &&
         (res->status < 200 || res->status > 299))) {
        reconcile_fail(r, res->error ? res->error : "no answer");
        return;
    }
    if (s->reconcile == PLAN_RECONCILE_CHECK) {
        rc = plan_cond_eval(s->check->cond, s->check->cond_arg, r->x_path, &a,
                            &cause);
        if (rc < 0) {
            reconcile_fail(r, cause);
            free(cause);
            return;
        }
        free(cause);
        if (rc == 1) {
            char *c = plan_cond_text(s->check->cond, s->check->cond_arg);

            why = x_asprintf("already done before the interruption: %s", c);
            free(c);
            /* The waits after a restart count from when it was sent. */
            if (s->capture == PLAN_CAPTURE_BEGAN && s->capture_var &&
                r->j.step_started_ms > 0) {
                char t[32];

                (void)snprintf(
                    t, sizeof t, "%lld",
                    (long long)(r->j.step_started_ms - PLAN_BOOT_SLACK_MS));
                (void)plan_set_var(r->j.plan, s->capture_var, t);
            }
            plan_run_step_skipped(r, why);
            free(why);
            return;
        }
    } else {
        if (s->reconcile == PLAN_RECONCILE_FIND_MACHINE) {
            rc =
                plan_find_machine(res->body, res->len, r->x_lease, &id, &cause);
        } else {
            b = r->x_body ? cJSON_Parse(r->x_body) : NULL;
            v = cJSON_GetObjectItemCaseSensitive(b, "name");
            name = cJSON_IsString(v) ? x_strdup(v->valuestring) : NULL;
            v = cJSON_GetObjectItemCaseSensitive(b, "region");
            region = cJSON_IsString(v) ? x_strdup(v->valuestring) : NULL;
            cJSON_Delete(b);
            rc = plan_find_volume(
                res->body, res->len, name, region,
                r->j.step_started_ms - PLAN_RECONCILE_SLACK_MS, &id, &cause);
            free(name);
            free(region);
        }
        if (rc < 0) {
            reconcile_fail(r, cause);
            free(cause);
            return;
        }
        if (rc == 1) {
            if (s->capture == PLAN_CAPTURE_ID && s->capture_var)
                (void)plan_set_var(r->j.plan, s->capture_var, id);
            why = x_asprintf("%s %s was created before the interruption: "
                             "adopted, not created again",
                             s->reconcile == PLAN_RECONCILE_FIND_MACHINE
                                 ? "machine"
                                 : "volume",
                             id);
            free(id);
            plan_run_step_skipped(r, why);
            free(why);
            return;
        }
    }
    /* Not done: run the step (again); a cancel is honoured first. */
    plan_run_clear_x(r);
    r->phase = PLAN_PHASE_IDLE;
    r->reconcile = 0;
    if (r->cancel) {
        plan_run_kick(r);
        return;
    }
    plan_run_step_begin(r);
}
