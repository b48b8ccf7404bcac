#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/appsecrets.h"
#include "src/audit.h"
#include "src/buf.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/plan.h"
#include "src/plan_impl.h"
#include "src/xmalloc.h"

/*
 * plan_run: the asynchronous runner (plan.h).  One request of the
 * sequence is in flight at a time (r->req); every move is a callback of
 * the loop: a kick timer, an http answer, a WAIT's retry timer or the
 * step's timeout.  Leases live in plan_lease.c.
 *
 * Per step: expand the templates (strictly), mark it running, save the
 * journal and write the "begin" audit line (a step that cannot be
 * recorded is not sent), call back, send; on the answer evaluate the
 * condition (plan_cond.c), keep the capture, mark it done or failed, save,
 * write the "end" line, call back, kick the next one.
 */

static void run_kicked(struct loop *l, uint64_t id, void *arg);
static void run_begin(struct plan_run *r);
static void run_advance(struct plan_run *r);
static void run_send(struct plan_run *r);
static void run_step_answer(const struct http_result *res, void *arg);
static void run_retry(struct loop *l, uint64_t id, void *arg);
static void run_step_timeout(struct loop *l, uint64_t id, void *arg);
static void run_step_done(struct plan_run *r, int status);
static void run_step_failed(struct plan_run *r, int status, const char *detail,
                            int unknown);
static void run_finished(struct plan_run *r);
static int run_notify(struct plan_run *r, size_t step);
static void run_stop_all(struct plan_run *r);
static void run_destroy(struct plan_run *r);
static int64_t run_elapsed(const struct plan_run *r, const int64_t *t0,
                           const int64_t *t1, size_t n, size_t step);
static int run_audit(struct plan_run *r, const char *phase, long step,
                     const char *title, const char *method, const char *path,
                     const char *body, const char *result, int status,
                     const char *detail, char **cause);
static int run_audit_step(struct plan_run *r, const char *phase,
                          const char *result, int status, const char *detail,
                          char **cause);
static enum plan_step_state *run_states(const struct plan_run *r);
static char **run_notes(const struct plan_run *r);
static int64_t *run_t_start(const struct plan_run *r);
static int64_t *run_t_end(const struct plan_run *r);
static struct plan_run *run_new(struct loop *l, struct http *h,
                                const struct plan_run_opts *opts,
                                plan_run_cb cb, void *arg);
static void run_alloc(struct plan_run *r);
static void run_cancel_timers(struct plan_run *r);

/* ---- small helpers ---- */

struct plan_step *plan_run_steps(const struct plan_run *r, size_t *n)
{
    const struct plan *p = r->j.plan;

    *n = r->j.aborting ? p->n_abort_steps : p->n_steps;
    return r->j.aborting ? p->abort_steps : p->steps;
}

static enum plan_step_state *run_states(const struct plan_run *r)
{
    return r->j.aborting ? r->j.abort_st : r->j.st;
}

static char **run_notes(const struct plan_run *r)
{
    return r->j.aborting ? r->abort_notes : r->notes;
}

static int64_t *run_t_start(const struct plan_run *r)
{
    return r->j.aborting ? r->abort_t_start : r->t_start;
}

static int64_t *run_t_end(const struct plan_run *r)
{
    return r->j.aborting ? r->abort_t_end : r->t_end;
}

char *plan_run_app_esc(const struct plan_run *r)
{
    return http_escape(r->j.plan->cluster);
}

void plan_run_set_note(struct plan_run *r, const char *fmt, ...)
{
    size_t n;
    char **notes = run_notes(r);
    va_list ap;

    (void)plan_run_steps(r, &n);
    if (r->j.current >= n)
        return;
    free(notes[r->j.current]);
    va_start(ap, fmt);
    notes[r->j.current] = x_vasprintf(fmt, ap);
    va_end(ap);
}

int plan_run_save(struct plan_run *r, char **cause)
{
    char *why = NULL;

    if (plan_journal_save(&r->j, r->journal_dir, &why) == 0)
        return 0;
    log_msg("plan %s: %s", r->j.plan->id, why);
    if (cause)
        *cause = why;
    else
        free(why);
    return -1;
}

void plan_run_kick(struct plan_run *r)
{
    if (!r->kick_timer)
        r->kick_timer = loop_timer_add(r->l, 0, run_kicked, r);
}

void plan_run_clear_x(struct plan_run *r)
{
    free(r->x_title);
    free(r->x_path);
    free(r->x_body);
    free(r->x_lease);
    free(r->x_boot);
    if (r->x_send)
        x_wipe(r->x_send, strlen(r->x_send));
    free(r->x_send);
    r->x_title = r->x_path = r->x_body = r->x_lease = r->x_boot = NULL;
    r->x_send = NULL;
}

static void run_cancel_timers(struct plan_run *r)
{
    if (r->kick_timer)
        loop_timer_cancel(r->l, r->kick_timer);
    if (r->step_timer)
        loop_timer_cancel(r->l, r->step_timer);
    if (r->retry_timer)
        loop_timer_cancel(r->l, r->retry_timer);
    r->kick_timer = r->step_timer = r->retry_timer = 0;
}

static void run_stop_all(struct plan_run *r)
{
    run_cancel_timers(r);
    if (r->req)
        http_cancel(r->req);
    r->req = NULL;
    plan_lease_refresh_stop(r);
}

/* Calls back; returns 1 when the run is gone or detached (stop at once). */
static int run_notify(struct plan_run *r, size_t step)
{
    if (r->cb) {
        r->busy++;
        r->cb(r, step, r->arg);
        r->busy--;
    }
    if (r->dead && !r->busy) {
        run_destroy(r);
        return 1;
    }
    return r->dead || r->detached;
}

/* A copy of S with every lease nonce of the run replaced; owned. */
static char *run_scrub(const struct plan_run *r, const char *s)
{
    struct buf b = BUF_INIT;
    const char *hit, *n;
    size_t i, best_i = 0;

    if (!s)
        return NULL;
    buf_puts(&b, "");
    for (;;) {
        hit = NULL;
        for (i = 0; r->j.nonces && i < r->j.plan->n_leases; i++) {
            n = r->j.nonces[i];
            hit = n && *n ? strstr(s, n) : NULL;
            if (hit) {
                best_i = i;
                break;
            }
        }
        if (!hit) {
            buf_puts(&b, s);
            break;
        }
        buf_append(&b, s, (size_t)(hit - s));
        buf_puts(&b, "[redacted]");
        s = hit + strlen(r->j.nonces[best_i]);
    }
    return buf_steal(&b);
}

static int run_audit(struct plan_run *r, const char *phase, long step,
                     const char *title, const char *method, const char *path,
                     const char *body, const char *result, int status,
                     const char *detail, char **cause)
{
    const struct plan *p = r->j.plan;
    struct audit_rec a;
    char *t = run_scrub(r, title), *pa = run_scrub(r, path);
    char *bo = run_scrub(r, body), *de = run_scrub(r, detail);
    char *why = NULL;
    int rc;

    memset(&a, 0, sizeof a);
    a.context = r->j.context;
    a.cluster = p->cluster;
    a.plan = p->id;
    a.action = p->action;
    a.step = step;
    a.title = t;
    a.phase = phase;
    a.method = method;
    a.path = pa;
    a.body = bo;
    a.result = result;
    a.status = status;
    a.detail = de;
    rc = audit_write(r->audit_file, &a, &why);
    if (rc != 0) {
        log_msg("plan %s: audit: %s", p->id, why);
        if (cause)
            *cause = why;
        else
            free(why);
    }
    free(t);
    free(pa);
    free(bo);
    free(de);
    return rc;
}

/* The audit line of the current step in PHASE. */
static int run_audit_step(struct plan_run *r, const char *phase,
                          const char *result, int status, const char *detail,
                          char **cause)
{
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    char *title, *path = NULL;
    int rc;

    title = r->x_title ? x_strdup(r->x_title)
                       : plan_expand(r->j.plan, s->title, 0, NULL);
    if (r->j.aborting) {
        char *t = x_asprintf("abort: %s", title);

        free(title);
        title = t;
    }
    if (r->x_path)
        path = x_asprintf("/v1%s", r->x_path);
    rc = run_audit(r, phase, (long)r->j.current + 1, title,
                   r->x_path ? s->req.method : NULL, path, r->x_body, result,
                   status, detail, cause);
    free(title);
    free(path);
    return rc;
}

/* ---- the sequence ---- */

static void run_kicked(struct loop *l, uint64_t id, void *arg)
{
    struct plan_run *r = arg;

    (void)l;
    (void)id;
    r->kick_timer = 0;
    if (!r->begun) {
        run_begin(r);
        return;
    }
    run_advance(r);
}

/* The first move: journal (fresh plans), the "plan" audit line, leases. */
static void run_begin(struct plan_run *r)
{
    const struct plan *p = r->j.plan;
    struct buf d = BUF_INIT;
    char *cause = NULL, *why;
    size_t i;

    r->begun = 1;
    if (r->resumed && r->j.aborting)
        buf_printf(&d, "abort: %zu abort steps from step %zu", p->n_abort_steps,
                   r->j.current + 1);
    else if (r->resumed)
        buf_printf(&d, "resume at step %zu of %zu", r->j.current + 1,
                   p->n_steps);
    else
        buf_printf(&d, "start: %zu steps", p->n_steps);
    buf_puts(&d, "; leases:");
    for (i = 0; i < p->n_leases; i++)
        buf_printf(&d, " %s", p->leases[i]);
    if (!p->n_leases)
        buf_puts(&d, " none");
    if ((!r->resumed && plan_run_save(r, &cause) != 0) ||
        run_audit(r, "plan", 0, p->summary, NULL, NULL, NULL, NULL, 0,
                  buf_str(&d), &cause) != 0) {
        why = x_asprintf("cannot record the plan before running it: %s", cause);
        r->keep_open = r->resumed;
        plan_run_finish(r, PLAN_OUTCOME_REFUSED, why);
        free(why);
        free(cause);
        buf_free(&d);
        return;
    }
    buf_free(&d);
    plan_lease_acquire(r);
}

static void run_advance(struct plan_run *r)
{
    size_t n, i = r->j.current;
    struct plan_step *steps = plan_run_steps(r, &n);
    enum plan_step_state *st = run_states(r);
    char *why;

    r->phase = PLAN_PHASE_IDLE;
    /* Past the last step: done, even when a cancel came with it. */
    if (i >= n) {
        if (!r->j.aborting) {
            plan_run_finish(r, PLAN_OUTCOME_DONE, NULL);
            return;
        }
        why = NULL;
        for (i = 0; i < n; i++)
            if (st[i] == PLAN_STEP_FAILED && !why)
                why = x_asprintf("abort step %zu failed: %s", i + 1,
                                 r->abort_notes[i] ? r->abort_notes[i] : "?");
        plan_run_finish(r, PLAN_OUTCOME_ABORTED, why);
        free(why);
        return;
    }
    if (r->cancel) {
        if (i < n && st[i] == PLAN_STEP_RUNNING) {
            /* A WAIT interrupted between tries: not done, not failed. */
            st[i] = PLAN_STEP_PENDING;
            run_t_end(r)[i] = loop_now_ms();
            plan_run_set_note(r, "cancelled while waiting");
            (void)run_audit_step(r, "end", "cancelled", 0,
                                 "cancelled by the operator", NULL);
            (void)plan_run_save(r, NULL);
            if (run_notify(r, i))
                return;
        }
        if (r->j.aborting) {
            r->keep_open = 1;
            plan_run_finish(r, PLAN_OUTCOME_ABORTED,
                            "the abort was cancelled; `pgdeck abort` "
                            "continues it");
        } else {
            plan_run_finish(r, PLAN_OUTCOME_ABORTED,
                            "cancelled by the operator");
        }
        return;
    }
    if (steps[i].needs && !plan_var(r->j.plan, steps[i].needs)) {
        why = x_asprintf("skipped: ${%s} is not set", steps[i].needs);
        plan_run_step_skipped(r, why);
        free(why);
        return;
    }
    if (r->reconcile) {
        r->reconcile = 0;
        plan_reconcile_start(r);
        return;
    }
    plan_run_step_begin(r);
}

void plan_run_step_begin(struct plan_run *r)
{
    size_t n, i = r->j.current;
    struct plan_step *s = &plan_run_steps(r, &n)[i];
    enum plan_step_state *st = run_states(r);
    char *cause = NULL, *why;
    int64_t timeout;

    plan_run_clear_x(r);
    r->x_title = plan_expand(r->j.plan, s->title, 0, NULL);
    r->x_path = plan_expand(r->j.plan, s->req.path, 1, &cause);
    if (r->x_path && s->req.body)
        r->x_body = plan_expand(r->j.plan, s->req.body, 1, &cause);
    if (!cause && s->lease)
        r->x_lease = plan_expand(r->j.plan, s->lease, 1, &cause);
    if (!cause && s->boot)
        r->x_boot = plan_expand(r->j.plan, s->boot, 1, &cause);
    /* Secrets only in what is sent: the audit line keeps the template. */
    if (!cause && r->x_body)
        r->x_send = appsecrets_expand(r->j.plan->cluster, r->j.plan->id,
                                      r->x_body, &cause);
    if (!cause && s->graphql && !r->graphql)
        cause = x_strdup("this context has no GraphQL API to call");
    if (cause) {
        free(r->x_path);
        free(r->x_body);
        r->x_path = r->x_body = NULL;
        run_step_failed(r, 0, cause, 0);
        free(cause);
        return;
    }
    st[i] = PLAN_STEP_RUNNING;
    r->j.step_started_ms = plan_wall_ms();
    run_t_start(r)[i] = loop_now_ms();
    run_t_end(r)[i] = 0;
    free(run_notes(r)[i]);
    run_notes(r)[i] = NULL;
    r->tries = 0;
    if (plan_run_save(r, &cause) != 0 ||
        run_audit_step(r, "begin", NULL, 0, NULL, &cause) != 0) {
        /* Not recorded: not sent. */
        st[i] = PLAN_STEP_PENDING;
        why = x_asprintf("cannot record step %zu before sending it: %s", i + 1,
                         cause);
        r->keep_open = 1;
        plan_run_finish(
            r, r->mutated ? PLAN_OUTCOME_FAILED : PLAN_OUTCOME_REFUSED, why);
        free(why);
        free(cause);
        return;
    }
    if (s->mutates)
        r->mutated = 1;
    if (run_notify(r, i))
        return;
    if (r->cancel && s->kind == PLAN_STEP_WAIT) {
        run_advance(r); /* cancelled from the callback: do not wait */
        return;
    }
    timeout = s->timeout_ms;
    if (s->kind == PLAN_STEP_WAIT && timeout <= 0)
        timeout = PLAN_DEFAULT_WAIT_MS;
    r->timeout_ms = timeout;
    if (timeout > 0)
        r->step_timer = loop_timer_add(r->l, timeout, run_step_timeout, r);
    run_send(r);
}

static void run_send(struct plan_run *r)
{
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    const char *nonce = plan_lease_nonce(r, r->x_lease);
    struct http_header hd = {"fly-machine-lease-nonce", nonce};

    r->phase = PLAN_PHASE_STEP;
    r->attempt_start = loop_now_ms();
    r->tries++;
    r->req = http_request_timed(
        s->graphql ? r->graphql : r->h, s->req.method, r->x_path, r->x_send,
        r->x_send ? strlen(r->x_send) : 0, &hd, nonce && !s->graphql ? 1 : 0,
        PLAN_HTTP_TIMEOUT_MS, run_step_answer, r);
}

static void run_step_answer(const struct http_result *res, void *arg)
{
    struct plan_run *r = arg;
    size_t n, i = r->j.current;
    const struct plan_step *s = &plan_run_steps(r, &n)[i];
    struct plan_answer a = {
        res->status,          res->body, res->len, res->error,
        r->j.step_started_ms, r->x_boot};
    char *detail = NULL, *value = NULL, *cause = NULL, *why;
    int64_t delay, now = loop_now_ms();
    int rc;

    r->req = NULL;
    rc = plan_cond_eval(s->cond, s->cond_arg, r->x_path, &a, &detail);
    if (rc == 1) {
        if (s->capture != PLAN_CAPTURE_NONE) {
            if (plan_capture_value(s->capture, &a, &value, &cause) != 0) {
                why =
                    x_asprintf("cannot keep ${%s}: %s", s->capture_var, cause);
                run_step_failed(r, res->status, why, 0);
                free(why);
                free(cause);
                return;
            }
            if (value && s->capture == PLAN_CAPTURE_CONSUL_URL) {
                rc = appsecrets_set(r->j.plan->cluster, r->j.plan->id,
                                    s->capture_var, value, &cause);
                x_wipe(value, strlen(value));
                free(value);
                if (rc != 0) {
                    run_step_failed(r, res->status, cause, 0);
                    free(cause);
                    return;
                }
                plan_run_set_note(r, "${secret:%s} kept (not shown)",
                                  s->capture_var);
                run_step_done(r, res->status);
                return;
            }
            if (value && s->capture == PLAN_CAPTURE_SECRETS_VERSION &&
                appsecrets_minvers_save(r->j.context ? r->j.context : "local",
                                        r->j.plan->cluster, atoll(value),
                                        &cause) != 0) {
                log_msg("plan %s: %s", r->j.plan->id, cause);
                free(cause);
                cause = NULL;
            }
            if (value) {
                (void)plan_set_var(r->j.plan, s->capture_var, value);
                plan_run_set_note(r, "${%s} = %s", s->capture_var, value);
            } else {
                plan_run_set_note(r, "${%s} stays unset", s->capture_var);
            }
            free(value);
        }
        run_step_done(r, res->status);
        return;
    }
    if (s->kind == PLAN_STEP_CALL) {
        run_step_failed(r, res->status,
                        detail       ? detail
                        : res->error ? res->error
                                     : "failed",
                        res->status == 0 && s->mutates);
        free(detail);
        return;
    }
    /* A WAIT: an answer that can never change fails at once; 408 (the
     * platform's own wait timed out), 429, 5xx, no answer and "not yet"
     * are tried again until the step's timeout. */
    if (rc == 0 && res->status >= 400 && res->status < 500 &&
        res->status != 408 && res->status != 429) {
        run_step_failed(r, res->status, detail, 0);
        free(detail);
        return;
    }
    plan_run_set_note(r, "waiting: %s (%lld s)",
                      res->status == 408 ? "the platform's wait timed out"
                      : detail           ? detail
                                         : "no answer",
                      (long long)((now - run_t_start(r)[i]) / 1000));
    free(detail);
    if (r->cancel) {
        run_advance(r);
        return;
    }
    delay = (s->interval_ms > 0 ? s->interval_ms : PLAN_WAIT_INTERVAL_MS) -
            (now - r->attempt_start);
    r->phase = PLAN_PHASE_PAUSE;
    r->retry_timer = loop_timer_add(r->l, delay > 0 ? delay : 0, run_retry, r);
}

static void run_retry(struct loop *l, uint64_t id, void *arg)
{
    struct plan_run *r = arg;

    (void)l;
    (void)id;
    r->retry_timer = 0;
    run_send(r);
}

static void run_step_timeout(struct loop *l, uint64_t id, void *arg)
{
    struct plan_run *r = arg;
    size_t n;
    const struct plan_step *s = &plan_run_steps(r, &n)[r->j.current];
    const char *note = run_notes(r)[r->j.current];
    int unknown = 0;
    char *why, dur[32];

    (void)l;
    (void)id;
    r->step_timer = 0;
    if (r->req) {
        http_cancel(r->req);
        r->req = NULL;
        /* A mutating request that was never answered may have happened. */
        unknown = s->mutates && s->kind == PLAN_STEP_CALL;
    }
    if (r->timeout_ms % 1000)
        snprintf(dur, sizeof dur, "%lld ms", (long long)r->timeout_ms);
    else
        snprintf(dur, sizeof dur, "%lld s", (long long)r->timeout_ms / 1000);
    if (s->kind == PLAN_STEP_WAIT)
        why = x_asprintf("timed out after %s%s%s", dur, note ? "; last: " : "",
                         note ? note : "");
    else
        why = x_asprintf("no answer within %s", dur);
    run_step_failed(r, 0, why, unknown);
    free(why);
}

static void run_step_done(struct plan_run *r, int status)
{
    size_t n, i = r->j.current;
    const struct plan_step *s = &plan_run_steps(r, &n)[i];
    char *cause = NULL;
    int64_t took = loop_now_ms() - run_t_start(r)[i];

    run_cancel_timers(r);
    /* The last "waiting: ..." is history now: say how long it took. */
    if (s->kind == PLAN_STEP_WAIT)
        plan_run_set_note(r, "reached after %lld.%lld s (%d tr%s)",
                          (long long)(took / 1000),
                          (long long)(took % 1000 / 100), r->tries,
                          r->tries == 1 ? "y" : "ies");
    run_states(r)[i] = PLAN_STEP_DONE;
    run_t_end(r)[i] = loop_now_ms();
    (void)run_audit_step(r, "end", "done", status, run_notes(r)[i], NULL);
    r->j.current++;
    if (plan_run_save(r, &cause) != 0) {
        plan_run_set_note(r, "journal: %s", cause);
        free(cause);
    }
    if (run_notify(r, i))
        return;
    plan_run_clear_x(r);
    r->phase = PLAN_PHASE_IDLE;
    plan_run_kick(r);
}

void plan_run_step_skipped(struct plan_run *r, const char *why)
{
    size_t i = r->j.current;

    plan_run_clear_x(r);
    run_states(r)[i] = PLAN_STEP_SKIPPED;
    plan_run_set_note(r, "%s", why);
    (void)run_audit_step(r, "end", "skipped", 0, why, NULL);
    r->j.current++;
    (void)plan_run_save(r, NULL);
    if (run_notify(r, i))
        return;
    r->phase = PLAN_PHASE_IDLE;
    plan_run_kick(r);
}

static void run_step_failed(struct plan_run *r, int status, const char *detail,
                            int unknown)
{
    size_t n, i = r->j.current;
    const struct plan_step *s = &plan_run_steps(r, &n)[i];
    enum plan_outcome o;
    char *why, *title;

    run_cancel_timers(r);
    run_states(r)[i] = PLAN_STEP_FAILED;
    run_t_end(r)[i] = loop_now_ms();
    plan_run_set_note(r, "%s", detail);
    (void)run_audit_step(r, "end", unknown ? "unknown" : "failed", status,
                         detail, NULL);
    if (r->j.aborting && s->guard) {
        /* What follows must not run without this step: stop here, keep
         * the journal, and let `pgdeck abort` retry from it. */
        (void)plan_run_save(r, NULL);
        if (run_notify(r, i))
            return;
        title = plan_expand(r->j.plan, s->title, 0, NULL);
        why = x_asprintf("abort step %zu (%s) failed: %s; nothing after it "
                         "ran: `pgdeck abort` retries it",
                         i + 1, title, detail);
        r->keep_open = 1;
        plan_run_finish(r, PLAN_OUTCOME_ABORTED, why);
        free(title);
        free(why);
        return;
    }
    if (s->best_effort || r->j.aborting) {
        r->j.current++;
        (void)plan_run_save(r, NULL);
        if (run_notify(r, i))
            return;
        plan_run_clear_x(r);
        r->phase = PLAN_PHASE_IDLE;
        plan_run_kick(r);
        return;
    }
    (void)plan_run_save(r, NULL);
    if (run_notify(r, i))
        return;
    title = plan_expand(r->j.plan, s->title, 0, NULL);
    if (unknown) {
        o = PLAN_OUTCOME_UNKNOWN;
        why = x_asprintf("step %zu (%s) got no answer: %s; it may or may not "
                         "have taken effect (`pgdeck resume %s` checks)",
                         i + 1, title, detail, r->j.plan->id);
    } else {
        o = r->mutated ? PLAN_OUTCOME_FAILED : PLAN_OUTCOME_REFUSED;
        why = x_asprintf("step %zu (%s) failed: %s%s", i + 1, title, detail,
                         r->mutated ? "" : "; nothing was changed");
    }
    plan_run_finish(r, o, why);
    free(title);
    free(why);
}

/* ---- the end ---- */

void plan_run_finish(struct plan_run *r, enum plan_outcome outcome,
                     const char *error)
{
    if (r->phase == PLAN_PHASE_RELEASING || r->phase == PLAN_PHASE_ENDED)
        return;
    run_cancel_timers(r);
    if (r->req)
        http_cancel(r->req);
    r->req = NULL;
    plan_lease_refresh_stop(r);
    r->final = outcome;
    free(r->error);
    r->error = error ? x_strdup(error) : NULL;
    r->phase = PLAN_PHASE_RELEASING;
    plan_lease_release(r, run_finished);
}

int plan_run_abort_clean(const struct plan_run *r)
{
    size_t i;

    if (!r->j.aborting)
        return 0;
    for (i = 0; r->j.abort_st && i < r->j.plan->n_abort_steps; i++)
        if (r->j.abort_st[i] == PLAN_STEP_FAILED ||
            r->j.abort_st[i] == PLAN_STEP_PENDING ||
            r->j.abort_st[i] == PLAN_STEP_RUNNING)
            return 0;
    return 1;
}

static void run_finished(struct plan_run *r)
{
    char *detail;

    if (r->keep_open) {
        r->j.outcome = r->orig_outcome;
        free(r->j.error);
        r->j.error = r->orig_error ? x_strdup(r->orig_error) : NULL;
    } else {
        r->j.outcome = r->final;
        free(r->j.error);
        r->j.error = r->error ? x_strdup(r->error) : NULL;
    }
    (void)plan_run_save(r, NULL);
    /* Nothing left to resume or abort: a plan done, or a fresh plan
     * refused before it changed anything (the audit log keeps both). */
    if (r->j.outcome == PLAN_OUTCOME_DONE ||
        (r->j.outcome == PLAN_OUTCOME_REFUSED && !r->resumed) ||
        (r->j.outcome == PLAN_OUTCOME_ABORTED && plan_run_abort_clean(r)))
        plan_journal_remove(r->journal_dir, r->j.plan->id);
    if (r->release_error)
        detail = x_asprintf("%s%s%s", r->error ? r->error : "",
                            r->error ? "; " : "", r->release_error);
    else
        detail = r->error ? x_strdup(r->error) : NULL;
    (void)run_audit(r, "outcome", 0, r->j.plan->summary, NULL, NULL, NULL,
                    plan_outcome_name(r->final), 0, detail, NULL);
    free(detail);
    plan_run_clear_x(r);
    r->ended = 1;
    r->phase = PLAN_PHASE_ENDED;
    r->run_end = loop_now_ms();
    (void)run_notify(r, r->j.current);
}

/* ---- construction ---- */

static struct plan_run *run_new(struct loop *l, struct http *h,
                                const struct plan_run_opts *opts,
                                plan_run_cb cb, void *arg)
{
    struct plan_run *r = x_calloc(1, sizeof *r);

    r->l = l;
    r->h = h;
    r->graphql = opts ? opts->graphql : NULL;
    r->cb = cb;
    r->arg = arg;
    r->context = opts && opts->context ? x_strdup(opts->context) : NULL;
    r->journal_dir = opts && opts->journal_dir ? x_strdup(opts->journal_dir)
                                               : plan_journal_dir();
    r->audit_file =
        opts && opts->audit_file ? x_strdup(opts->audit_file) : NULL;
    r->ttl_s =
        opts && opts->lease_ttl_s > 0 ? opts->lease_ttl_s : PLAN_LEASE_TTL_S;
    r->run_start = loop_now_ms();
    return r;
}

/* The per-step and per-lease arrays (the journal's too when missing). */
static void run_alloc(struct plan_run *r)
{
    const struct plan *p = r->j.plan;
    size_t ns = p->n_steps ? p->n_steps : 1;
    size_t na = p->n_abort_steps ? p->n_abort_steps : 1;
    size_t nl = p->n_leases ? p->n_leases : 1, i;

    if (!r->j.st)
        r->j.st = x_calloc(ns, sizeof *r->j.st);
    if (!r->j.abort_st)
        r->j.abort_st = x_calloc(na, sizeof *r->j.abort_st);
    if (!r->j.nonces)
        r->j.nonces = x_calloc(nl, sizeof *r->j.nonces);
    if (!r->j.context && r->context)
        r->j.context = x_strdup(r->context);
    r->notes = x_calloc(ns, sizeof *r->notes);
    r->t_start = x_calloc(ns, sizeof *r->t_start);
    r->t_end = x_calloc(ns, sizeof *r->t_end);
    r->abort_notes = x_calloc(na, sizeof *r->abort_notes);
    r->abort_t_start = x_calloc(na, sizeof *r->abort_t_start);
    r->abort_t_end = x_calloc(na, sizeof *r->abort_t_end);
    r->refresh_req = x_calloc(nl, sizeof *r->refresh_req);
    r->lease_ctx = x_calloc(nl, sizeof *r->lease_ctx);
    r->lease_ids = x_calloc(nl, sizeof *r->lease_ids);
    r->lease_held = x_calloc(nl, sizeof *r->lease_held);
    for (i = 0; i < p->n_leases; i++) {
        r->lease_ctx[i].r = r;
        r->lease_ctx[i].i = i;
        r->lease_ids[i] = x_strdup(p->leases[i]);
    }
}

struct plan_run *plan_run_start(struct loop *l, struct http *h, struct plan *p,
                                const struct plan_run_opts *opts,
                                plan_run_cb cb, void *arg)
{
    struct plan_run *r = run_new(l, h, opts, cb, arg);

    r->j.plan = p;
    r->j.started_ms = plan_wall_ms();
    run_alloc(r);
    plan_run_kick(r);
    return r;
}

struct plan_run *plan_run_resume(struct loop *l, struct http *h,
                                 struct plan_journal *j,
                                 enum plan_resume_mode mode,
                                 const struct plan_run_opts *opts,
                                 plan_run_cb cb, void *arg)
{
    struct plan_run *r = run_new(l, h, opts, cb, arg);
    const struct plan *p;
    size_t i;

    r->j = *j;
    memset(j, 0, sizeof *j);
    p = r->j.plan;
    run_alloc(r);
    r->resumed = 1;
    r->orig_outcome = r->j.outcome;
    r->orig_error = r->j.error ? x_strdup(r->j.error) : NULL;
    r->j.outcome = PLAN_OUTCOME_NONE;
    free(r->j.error);
    r->j.error = NULL;
    for (i = 0; i < p->n_steps; i++)
        if (p->steps[i].mutates && r->j.st[i] != PLAN_STEP_PENDING &&
            r->j.st[i] != PLAN_STEP_SKIPPED)
            r->mutated = 1;
    if (mode == PLAN_ABORT && !r->j.aborting) {
        r->j.aborting = 1;
        r->j.current = 0;
        for (i = 0; i < p->n_abort_steps; i++)
            r->j.abort_st[i] = PLAN_STEP_PENDING;
    } else if (!r->j.aborting && r->j.current < p->n_steps &&
               (r->j.st[r->j.current] == PLAN_STEP_RUNNING ||
                r->j.st[r->j.current] == PLAN_STEP_FAILED)) {
        r->reconcile = 1;
    }
    plan_run_kick(r);
    return r;
}

/* ---- control and views ---- */

void plan_run_cancel(struct plan_run *r)
{
    size_t n;
    const struct plan_step *s;

    if (!r || r->ended || r->detached || r->dead || r->cancel ||
        r->phase == PLAN_PHASE_RELEASING)
        return;
    r->cancel = 1;
    if (r->phase != PLAN_PHASE_STEP && r->phase != PLAN_PHASE_PAUSE)
        return;
    s = &plan_run_steps(r, &n)[r->j.current];
    if (s->kind != PLAN_STEP_WAIT)
        return; /* a call ends with its answer */
    /* Waiting has no effect to wait for: stop now. */
    run_cancel_timers(r);
    if (r->req)
        http_cancel(r->req);
    r->req = NULL;
    r->phase = PLAN_PHASE_IDLE;
    plan_run_kick(r);
}

void plan_run_detach(struct plan_run *r)
{
    if (!r || r->ended || r->dead)
        return;
    run_stop_all(r);
    r->detached = 1;
    r->ended = 1;
    r->phase = PLAN_PHASE_ENDED;
    r->run_end = loop_now_ms();
}

const struct plan *plan_run_plan(const struct plan_run *r)
{
    return r->j.plan;
}

const struct plan_journal *plan_run_journal(const struct plan_run *r)
{
    return &r->j;
}

enum plan_outcome plan_run_outcome(const struct plan_run *r)
{
    return r->ended && !r->detached ? r->final : PLAN_OUTCOME_NONE;
}

const char *plan_run_error(const struct plan_run *r)
{
    return r->ended ? r->error : NULL;
}

/* Elapsed ms of entry STEP of T0/T1 (N entries). */
static int64_t run_elapsed(const struct plan_run *r, const int64_t *t0,
                           const int64_t *t1, size_t n, size_t step)
{
    if (step >= n || !t0[step])
        return 0;
    if (t1[step])
        return t1[step] - t0[step];
    return (r->ended ? r->run_end : loop_now_ms()) - t0[step];
}

int64_t plan_run_step_elapsed_ms(const struct plan_run *r, size_t step)
{
    return run_elapsed(r, r->t_start, r->t_end, r->j.plan->n_steps, step);
}

int64_t plan_run_abort_step_elapsed_ms(const struct plan_run *r, size_t step)
{
    return run_elapsed(r, r->abort_t_start, r->abort_t_end,
                       r->j.plan->n_abort_steps, step);
}

int64_t plan_run_elapsed_ms(const struct plan_run *r)
{
    return (r->ended ? r->run_end : loop_now_ms()) - r->run_start;
}

const char *plan_run_note(const struct plan_run *r, size_t step)
{
    return step < r->j.plan->n_steps ? r->notes[step] : NULL;
}

const char *plan_run_abort_note(const struct plan_run *r, size_t step)
{
    return step < r->j.plan->n_abort_steps ? r->abort_notes[step] : NULL;
}

static void run_destroy(struct plan_run *r)
{
    const struct plan *p = r->j.plan;
    size_t ns = p ? p->n_steps : 0, na = p ? p->n_abort_steps : 0, i;
    size_t nl = p ? p->n_leases : 0;

    for (i = 0; i < ns; i++)
        free(r->notes[i]);
    for (i = 0; i < na; i++)
        free(r->abort_notes[i]);
    for (i = 0; i < nl; i++)
        free(r->lease_ids[i]);
    free(r->notes);
    free(r->abort_notes);
    free(r->t_start);
    free(r->t_end);
    free(r->abort_t_start);
    free(r->abort_t_end);
    free(r->refresh_req);
    free(r->lease_ctx);
    free(r->lease_ids);
    free(r->lease_held);
    plan_run_clear_x(r);
    plan_journal_clear(&r->j);
    free(r->context);
    free(r->journal_dir);
    free(r->audit_file);
    free(r->error);
    free(r->orig_error);
    free(r->release_error);
    free(r->who_error);
    free(r);
}

void plan_run_free(struct plan_run *r)
{
    if (!r || r->dead)
        return;
    run_stop_all(r);
    r->dead = 1;
    if (r->busy)
        return; /* freed when the callback returns */
    run_destroy(r);
}
