/*
 * plan_impl: what the plan engine's files share and nobody else uses:
 * plan.c (building, names), plan_journal.c (the journal, directories),
 * plan_cond.c (conditions and captures on answers, pure), plan_lease.c
 * (leases of a run), plan_reconcile.c (resume), plan_run.c (the runner)
 * and audit.c.
 *
 * struct plan_run is defined here so that plan_run.c and plan_lease.c can
 * both work on it; everything else reaches a run through plan.h.
 * Ownership: every char * in struct plan_run is owned by the run; the
 * plan and its journal are owned through r->j (plan_journal_clear).
 */
#ifndef PGDECK_SRC_PLAN_IMPL_H
#define PGDECK_SRC_PLAN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "src/plan.h"

struct http_req;
struct http_result;

/* ---- names of the enums, as journaled (plan.c) ---- */

const char *plan_kind_name(enum plan_step_kind k);
const char *plan_cond_name(enum plan_cond c);
const char *plan_capture_name(enum plan_capture c);
const char *plan_reconcile_name(enum plan_reconcile r);
const char *plan_risk_name(enum plan_risk r);
/* Each returns 0 with *OUT set, or -1 when S names no value. */
int plan_kind_parse(const char *s, enum plan_step_kind *out);
int plan_cond_parse(const char *s, enum plan_cond *out);
int plan_capture_parse(const char *s, enum plan_capture *out);
int plan_reconcile_parse(const char *s, enum plan_reconcile *out);
int plan_risk_parse(const char *s, enum plan_risk *out);
int plan_step_state_parse(const char *s, enum plan_step_state *out);
int plan_outcome_parse(const char *s, enum plan_outcome *out);

/* Whether S is a plan id usable as a file name: [A-Za-z0-9_.-]+, not
 * starting with '.', at most 128 bytes. */
int plan_id_valid(const char *s);
/* Whether S is a variable name: [a-z0-9_]+, at most 64 bytes. */
int plan_var_name_valid(const char *s);
/* Unix milliseconds (CLOCK_REALTIME). */
int64_t plan_wall_ms(void);
/* "2026-11-22T04:45:00.123Z" for Unix milliseconds MS into OUT. */
void plan_iso_time(int64_t ms, char *out, size_t len);

/* ---- conditions and captures (plan_cond.c, pure) ---- */

/* An answer as the conditions see it (borrowed). */
struct plan_answer {
    int status;       /* 0: no answer */
    const char *body; /* NUL-terminated */
    size_t len;
    const char *error; /* the http layer's text, or NULL for 2xx */
    int64_t since_ms;  /* PLAN_COND_EVENT_SINCE: Unix ms the step began
                          (less a slack for clocks); 0 never holds;
                          PLAN_CAPTURE_BEGAN keeps it */
    const char *boot;  /* the step's boot, expanded, or NULL */
};

/* Whether COND (with ARG) holds for the answer A to a request on PATH
 * (after "/v1", query allowed); machine conditions also need A->boot.  1:
 * holds; 0: does not, *DETAIL says why for people ("state is starting", "HTTP
 * 409: ..."); -1: the answer cannot be read (a decode error in *DETAIL).
 * *DETAIL is owned (NULL with 1). */
int plan_cond_eval(enum plan_cond cond, const char *arg, const char *path,
                   const struct plan_answer *a, char **detail);
/* A condition for people: "state is \"started\"". Owned. */
char *plan_cond_text(enum plan_cond cond, const char *arg);
/* The value CAP keeps of A: 0 with *VALUE (owned), or -1 with *CAUSE. The
 * value is checked: an id is [A-Za-z0-9_.-]+; exec output one line of
 * printable characters without '"', '\\' or '$'. */
int plan_capture_value(enum plan_capture cap, const struct plan_answer *a,
                       char **value, char **cause);
/* Whether the machine answer M shows BOOT (plan_step.boot, expanded): 1;
 * 0 with *DETAIL (owned) when it still shows an earlier boot; -1 with
 * *DETAIL when BOOT is neither "instance:ID" nor "since:MS". */
struct api_machine;
int plan_cond_boot(const struct api_machine *m, const char *boot,
                   char **detail);
/* Whether PATH (query ignored) ends with SUFFIX ("/exec"). */
int plan_path_is(const char *path, const char *suffix);
/* The first line of S without surrounding white space; owned. */
char *plan_trim(const char *s);

/* Reconcile searches over list answers.  1: found (*ID owned), 0: none,
 * -1: the list cannot be read (*CAUSE). */
int plan_find_machine(const char *body, size_t len, const char *tag, char **id,
                      char **cause);
/* An unattached, live volume named NAME in REGION (either NULL: any)
 * created at or after SINCE_MS (Unix ms); the oldest such one. */
int plan_find_volume(const char *body, size_t len, const char *name,
                     const char *region, int64_t since_ms, char **id,
                     char **cause);

/* ---- the run (plan_run.c, plan_lease.c) ---- */

struct plan_run;

/* What a lease refresh request's callback gets. */
struct plan_lease_ctx {
    struct plan_run *r;
    size_t i;
};

enum plan_run_phase {
    PLAN_PHASE_IDLE,      /* a kick is scheduled */
    PLAN_PHASE_LEASING,   /* acquiring leases */
    PLAN_PHASE_RECONCILE, /* checking the step that was in flight */
    PLAN_PHASE_STEP,      /* a step's request in flight */
    PLAN_PHASE_PAUSE,     /* a WAIT between tries */
    PLAN_PHASE_RELEASING, /* releasing leases at the end */
    PLAN_PHASE_ENDED
};

struct plan_run {
    struct loop *l;
    struct http *h;
    struct http *graphql; /* plan_run_opts.graphql, or NULL */
    struct plan_journal j;
    char *context;
    char *journal_dir;
    char *audit_file; /* NULL: paths_audit_log() */
    int ttl_s;
    plan_run_cb cb;
    void *arg;

    int resumed;   /* started by plan_run_resume */
    int reconcile; /* the current step must be reconciled first */
    int begun;     /* the first kick ran (journal, audit "plan") */
    int keep_open; /* the end leaves the journal's outcome as it was */
    enum plan_outcome orig_outcome; /* a resumed journal's outcome */
    char *orig_error;
    enum plan_run_phase phase;
    struct http_req *req; /* the sequence's request in flight */
    uint64_t kick_timer;
    uint64_t step_timer;  /* the step's timeout */
    uint64_t retry_timer; /* a WAIT's next try */
    uint64_t refresh_timer;
    struct http_req **refresh_req;    /* per lease */
    struct plan_lease_ctx *lease_ctx; /* per lease: (run, index) */
    char **lease_ids;                 /* per lease, expanded */
    int *lease_held;                  /* per lease: taken by this run */
    size_t lease_i;                   /* acquiring or releasing */
    char *who_error;                  /* the 409 of a refused lease */
    void (*release_done)(struct plan_run *r);
    int mutated; /* a mutating request was sent */
    int cancel;
    int ended;
    int detached;
    int busy; /* inside the callback */
    int dead; /* plan_run_free() was called inside the callback */
    enum plan_outcome final;
    char *error;
    char *release_error;

    /* Per step of the running list (steps, or abort steps). */
    char **notes;
    int64_t *t_start, *t_end; /* monotonic ms, 0: not yet */
    char **abort_notes;
    int64_t *abort_t_start, *abort_t_end;
    int64_t run_start, run_end;

    /* The current step, expanded. */
    char *x_title, *x_path, *x_body, *x_lease, *x_boot;
    char *x_send; /* x_body with its ${secret:NAME} filled in (wiped) */
    int64_t attempt_start;
    int tries;
    int64_t timeout_ms;
};

/* plan_run.c, for plan_lease.c */
/* The step list being run (steps or abort steps) and its length. */
struct plan_step *plan_run_steps(const struct plan_run *r, size_t *n);
/* Schedules the next move of the sequence from the loop. */
void plan_run_kick(struct plan_run *r);
/* Ends the run with OUTCOME: releases the leases, journals, audits, calls
 * back.  ERROR (copied) is why, or NULL. */
void plan_run_finish(struct plan_run *r, enum plan_outcome outcome,
                     const char *error);
/* Sets the note of the current step (FMT formatted). */
void plan_run_set_note(struct plan_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Saves the journal; on failure logs and returns -1 with *cause. */
int plan_run_save(struct plan_run *r, char **cause);
/* The app of the run's plan, escaped for a path; owned. */
char *plan_run_app_esc(const struct plan_run *r);

/* Runs the current step: expand, journal, audit, send. */
void plan_run_step_begin(struct plan_run *r);
/* Marks the current step skipped for WHY and moves on. */
void plan_run_step_skipped(struct plan_run *r, const char *why);
/* Frees the current step's expanded strings. */
void plan_run_clear_x(struct plan_run *r);

/* plan_reconcile.c */
/* Reconciles the current step (r->reconcile was set), then skips it or
 * runs it. */
void plan_reconcile_start(struct plan_run *r);

/* plan_lease.c */
/* Acquires every lease, then kicks the sequence (or finishes REFUSED). */
void plan_lease_acquire(struct plan_run *r);
/* Starts refreshing every PLAN ttl / 3. */
void plan_lease_refresh_start(struct plan_run *r);
/* Cancels the refresh timer and requests. */
void plan_lease_refresh_stop(struct plan_run *r);
/* Releases every lease held, then calls DONE(R). */
void plan_lease_release(struct plan_run *r, void (*done)(struct plan_run *));
/* The nonce to send for machine ID, or NULL. */
const char *plan_lease_nonce(const struct plan_run *r, const char *id);
/* "/apps/APP/machines/ID/lease", escaped; owned. */
char *plan_lease_path(const struct plan_run *r, const char *id);

#endif
