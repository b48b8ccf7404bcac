/*
 * plan: every mutating action as an ordered list of steps (DESIGN.md
 * "Actions are plans"), its text for --dry-run and the TUI preview, its
 * journal for resume and abort, and the asynchronous runner.
 *
 * A plan is data.  actions.h builds it with a pure function of the fleet
 * model; nothing in struct plan refers to a live object.  A step is one
 * HTTP request to the Machines API (PLAN_STEP_CALL), or the same request
 * repeated until a condition holds or a timeout passes (PLAN_STEP_WAIT).
 * Paths and bodies are templates: "${name}" is replaced by the plan
 * variable NAME when the step starts, and a JSON string that is exactly
 * "${num:name}" by the number NAME holds, without the quotes (bodies stay
 * JSON before and after).  "${secret:NAME}" is left for the runner, which
 * fills it in the request it sends only (appsecrets.h).  Variables are
 * set by the builder (app, machine ids) or captured from an earlier step's
 * answer (the id of a volume the plan created), so the dry run shows every
 * request exactly, with "${new_volume}" where a value is only known once the
 * plan runs.
 *
 * The runner (plan_run_*) works on the loop: it never blocks.  It
 *   1. acquires a lease on every machine of plan->leases (POST .../lease,
 *      ttl PLAN_LEASE_TTL_S); a lease held by someone else refuses the
 *      whole plan before any mutation (PLAN_OUTCOME_REFUSED, with who holds
 *      it); leases already taken are released;
 *   2. runs the steps in order, sending fly-machine-lease-nonce on every
 *      request whose step names a leased machine (step.lease);
 *   3. refreshes every lease each PLAN_LEASE_TTL_S / 3 seconds;
 *   4. releases every lease at the end, on failure and on cancel.
 * Before and after every step it appends a line to the audit log (audit.h)
 * and rewrites the plan's journal (plan_journal_save), so that a plan
 * interrupted by SIGHUP, SIGTERM or kill -9 is found at the next start
 * (plan_journal_list) and can be resumed or aborted (plan_run_resume).
 *
 * Resuming reruns the step that was in flight, after its reconcile rule
 * (enum plan_reconcile) decided whether it already took effect: a machine
 * or volume create is never sent twice when its result can be found.
 * Aborting runs plan->abort_steps (each skipped when a variable it needs
 * is unset), best effort, then releases the leases: the safe state of the
 * action (the old primary started again, a half-added replica removed).
 *
 * Secrets.  A plan holds no token and no password; the runner's requests
 * carry the token only in the Authorization header (http.h).  Lease nonces
 * are kept in the journal (0600, in a 0700 directory) so that a resume can
 * reuse them; they are never written to the audit log.
 *
 * Collaborators: http (requests), loop (timers), api (decoders of machine,
 * volume, lease, exec answers), audit (the log), actions (builders), cli /
 * act_cli (pgdeck scale|volume|replica|restart|failover|create|destroy|
 * resume|abort), ui (actions menu, preview, progress).
 */
#ifndef PGDECK_SRC_PLAN_H
#define PGDECK_SRC_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct http;
struct loop;

#define PLAN_LEASE_TTL_S 120
#define PLAN_WAIT_INTERVAL_MS 1000      /* default between tries of a WAIT */
#define PLAN_DEFAULT_WAIT_MS 300000     /* default timeout of a WAIT */
#define PLAN_TAG_KEY "pgdeck_plan_step" /* machine metadata of creates */
#define PLAN_MAX_VARS 32
/* PLAN_CAPTURE_BEGAN keeps the time less this, for the platform's clock
 * (its events' timestamps) against ours. */
#define PLAN_BOOT_SLACK_MS 1000
/* The total timeout per attempt of a step's request (http.h
 * http_request_timed), whatever the client's: an exec of `repmgr standby
 * promote` waits for the promotion, a machine create for its placement. */
#define PLAN_HTTP_TIMEOUT_MS 120000

enum plan_step_kind {
    PLAN_STEP_CALL, /* one request; done when COND holds for its answer */
    PLAN_STEP_WAIT  /* the request again every interval until COND holds */
};

/* What makes a step done.  Conditions on a machine or volume read the
 * decoded GET answer (api.h); on exec, the decoded exec answer. */
enum plan_cond {
    PLAN_COND_OK,             /* 2xx; for an exec request also exit_code 0;
                                 for a start answer also status != "error" */
    PLAN_COND_MACHINE_STATE,  /* GET machine: state == arg */
    PLAN_COND_CHECKS_PASSING, /* GET machine: at least one check and all
                                 passing */
    PLAN_COND_ROLE,           /* GET machine: role check passing with
                                 output == arg ("primary", "replica") */
    PLAN_COND_EXEC_STDOUT,    /* exec: exit 0 and stdout, trimmed, == arg */
    PLAN_COND_VOLUME_STATE,   /* GET volume: state == arg */
    PLAN_COND_GONE,           /* 404, or state "destroyed" */
    PLAN_COND_EVENT_SINCE,    /* GET machine: an event of type arg at or
                                 after the step began (reconcile checks:
                                 "restart" tells a restart whose answer was
                                 lost from one never sent) */
    PLAN_COND_GRAPHQL_OK      /* a GraphQL answer: 2xx and no "errors" */
};

/* What a step keeps from its answer, into variable capture_var. */
enum plan_capture {
    PLAN_CAPTURE_NONE,
    PLAN_CAPTURE_ID,              /* the answer's top-level "id" */
    PLAN_CAPTURE_EXEC_STDOUT,     /* exec stdout, trimmed (one line) */
    PLAN_CAPTURE_NEEDS_RESTART,   /* a volume extend answer: "1" when its
                                     needs_restart is true; else the variable
                                     stays unset (steps that need it skip) */
    PLAN_CAPTURE_SNAPSHOT_ID,     /* a snapshot create answer: the id of the
                                     snapshot when the body names it (the API
                                     may answer an empty 200: then unset) */
    PLAN_CAPTURE_IMAGE_TAG,       /* GraphQL latestImageTag: the image */
    PLAN_CAPTURE_CONSUL_URL,      /* GraphQL enablePostgresConsul: consulUrl,
                                     kept as the secret capture_var
                                     (appsecrets.h), never as a variable */
    PLAN_CAPTURE_SECRETS_VERSION, /* a secrets update answer: its "version",
                                    also kept for later creates
                                    (appsecrets_minvers) */
    PLAN_CAPTURE_INSTANCE,        /* an update answer: the machine's new
                                     instance_id (its version) */
    PLAN_CAPTURE_BEGAN            /* the Unix ms the step began, less
                                     PLAN_BOOT_SLACK_MS (a restart, whose
                                     answer names no instance) */
};

/* How a resumed plan treats the step that was in flight when it stopped. */
enum plan_reconcile {
    PLAN_RECONCILE_RERUN,        /* safe to send again (GET, wait, start,
                                    stop, restart, lease, exec of a query) */
    PLAN_RECONCILE_FIND_MACHINE, /* a machine create: adopt the machine of
                                    the app whose config.metadata
                                    [PLAN_TAG_KEY] == step.tag (capture its
                                    id); create only when there is none */
    PLAN_RECONCILE_FIND_VOLUME,  /* a volume create: adopt an unattached
                                    volume with the body's name and region
                                    created at or after the step began */
    PLAN_RECONCILE_CHECK         /* run step.check first: when its condition
                                    holds the step is done (promote: skip
                                    when the target is already primary) */
};

/* One request, as templates. */
struct plan_request {
    char *method; /* "GET", "POST", "PUT", "DELETE" */
    char *path;   /* after "/v1": "/apps/${app}/machines/${old}/stop" */
    char *body;   /* JSON template, or NULL for none */
};

/* A probe used by PLAN_RECONCILE_CHECK. */
struct plan_check {
    struct plan_request req;
    enum plan_cond cond;
    char *cond_arg;
};

struct plan_step {
    char *title; /* for people: "stop the old primary ${old}" (template) */
    enum plan_step_kind kind;
    struct plan_request req;
    char *lease; /* machine id (template) whose nonce goes with the
                    request, or NULL */
    enum plan_cond cond;
    char *cond_arg;      /* NULL when the condition takes none */
    int64_t timeout_ms;  /* WAIT: overall (0: PLAN_DEFAULT_WAIT_MS);
                            CALL: 0 = the HTTP client's timeout */
    int64_t interval_ms; /* WAIT: between tries (0: PLAN_WAIT_INTERVAL_MS) */
    enum plan_capture capture;
    char *capture_var; /* with a capture */
    enum plan_reconcile reconcile;
    char *tag;                /* FIND_MACHINE: the metadata value */
    struct plan_check *check; /* RECONCILE_CHECK, else NULL */
    int mutates;     /* 1: the step changes the platform (not a GET, not a
                        query); the first one ends "refusable" */
    int best_effort; /* 1: a failure is journaled and the plan goes on */
    int guard;       /* abort step: a failure stops the abort there, as
                        what comes after must not run without it (a
                        machine is not destroyed before its repmgr member
                        is gone); `pgdeck abort` again retries it */
    char *needs;     /* a variable name: the step is skipped when it is
                        unset (abort steps), or NULL */
    int graphql;     /* 1: a call of Fly's GraphQL API (POST, req.path
                        "/graphql", on plan_run_opts.graphql), not of the
                        Machines API */
    char *boot;      /* machine conditions (state, checks, role): the boot
                        the answer must show, a template, or NULL (any).
                        "instance:ID": its instance_id is ID (the version an
                        update made); "since:MS": an event with status
                        "started" at or after Unix ms MS, and every check
                        result dated from that second on (a restart).  An
                        answer that still shows the previous boot is "not
                        yet" (doc/architecture.md, audit point M3). */
};

struct plan_var {
    char *name;
    char *value; /* NULL: not known yet */
};

/* How much confirmation running the plan asks for (anchors §11.5). */
enum plan_risk {
    PLAN_RISK_LOW,  /* y/N, Cancel focused (restart one replica) */
    PLAN_RISK_HIGH, /* plan shown, cluster name typed (failover, scale or
                       restart of the primary, remove, destroy) */
};

struct plan {
    char *id;      /* "20261122T044500Z-4f2a9c": unique; journal name */
    char *action;  /* "failover", "scale-memory", "volume-extend",
                      "replica-add", "replica-remove", "restart", "create",
                      "destroy", "ha" */
    char *cluster; /* the app */
    char *summary; /* one line: "failover acme-db: 148e -> 2874" */
    enum plan_risk risk;
    char **warnings; /* lines shown before the confirmation */
    size_t n_warnings;
    char **leases; /* machine ids leased for the whole run */
    size_t n_leases;
    struct plan_step *steps;
    size_t n_steps;
    struct plan_step *abort_steps; /* the safe abort, best effort */
    size_t n_abort_steps;
    struct plan_var vars[PLAN_MAX_VARS];
    size_t n_vars;
};

/* ---- building (plan.c; pure) ---- */

/* A new empty plan for ACTION on CLUSTER with id ID (NULL: plan_new_id()).
 * Sets the variable "app" to CLUSTER.  Owned: plan_free(). */
struct plan *plan_new(const char *action, const char *cluster, const char *id);
void plan_free(struct plan *p);

/* A fresh id: UTC time and 24 random bits ("20261122T044500Z-4f2a9c"). */
char *plan_new_id(void);

/* Appends a step (zeroed, kind CALL, cond OK, reconcile RERUN) and returns
 * it for the caller to fill with x_strdup'ed strings; TITLE, METHOD, PATH
 * and BODY (may be NULL) are copied.  The pointer is valid until the next
 * plan_add_* call. */
struct plan_step *plan_add_step(struct plan *p, const char *title,
                                const char *method, const char *path,
                                const char *body);
struct plan_step *plan_add_abort_step(struct plan *p, const char *title,
                                      const char *method, const char *path,
                                      const char *body);
void plan_add_warning(struct plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds machine ID to the leases (once). */
void plan_add_lease(struct plan *p, const char *id);

/* Sets variable NAME to VALUE (copied; NULL: known only at run time).
 * Returns 0, or -1 when PLAN_MAX_VARS are in use or NAME is not
 * [a-z0-9_]+. */
int plan_set_var(struct plan *p, const char *name, const char *value);
/* The value of NAME, or NULL (unset or unknown name); borrowed. */
const char *plan_var(const struct plan *p, const char *name);

/* TEMPLATE with every "${name}" of a variable declared in P replaced by
 * its value (a "${...}" that names no declared variable, e.g. inside a
 * copied env value, is left as it is).  With STRICT, a declared variable
 * without a value fails: returns NULL with *cause set ("variable
 * new_volume is not set").  Without, it is left as "${name}" (the dry
 * run).  Values are inserted as they are: builders only put ids and names
 * of [A-Za-z0-9_.-] in variables.  Owned. */
char *plan_expand(const struct plan *p, const char *tmpl, int strict,
                  char **cause);

/* Appends the plan for people to OUT: summary, warnings, leases, then each
 * step numbered with its title and its exact request (method, /v1 path,
 * body, "lease: ID", and for a WAIT the condition and timeout), then the
 * abort steps.  Never a token (a plan has none). */
void plan_render(const struct plan *p, struct buf *out);

/* ---- journal (plan_journal.c) ---- */

/* Where a step stands. */
enum plan_step_state {
    PLAN_STEP_PENDING,
    PLAN_STEP_RUNNING, /* started (journaled before the request) */
    PLAN_STEP_DONE,
    PLAN_STEP_SKIPPED, /* needs an unset variable, or reconciled done */
    PLAN_STEP_FAILED
};

enum plan_outcome {
    PLAN_OUTCOME_NONE,    /* still running, or never started */
    PLAN_OUTCOME_DONE,    /* every step done */
    PLAN_OUTCOME_REFUSED, /* nothing was changed: a lease is held by
                             someone else, or a step before the first
                             mutating one failed (exit 3) */
    PLAN_OUTCOME_FAILED,  /* a step failed after a mutation (exit 1) */
    PLAN_OUTCOME_UNKNOWN, /* a mutating request got no answer: it may or
                             may not have taken effect (exit 1) */
    PLAN_OUTCOME_ABORTED  /* cancelled, or aborted after an interruption */
};

/* The plan's journal: the plan, its variables, where each step stands and
 * the lease nonces.  JSON, one file per plan in DIR
 * ($XDG_STATE_HOME/pgdeck/plans), replaced atomically (write to a
 * temporary file, rename).  The directory is created 0700, files 0600. */
struct plan_journal {
    struct plan *plan;
    char *context;            /* the context it ran in */
    enum plan_step_state *st; /* per step */
    size_t current;           /* the step running or next */
    int64_t step_started_ms;  /* Unix ms the current step began */
    int64_t started_ms;       /* Unix ms the plan began */
    enum plan_outcome outcome;
    char *error;   /* why it failed, or NULL */
    char **nonces; /* per plan->leases entry, NULL when not held */
    int aborting;  /* the abort steps are running (current indexes them) */
    /* Added by the engine: per abort step (NULL when the plan has none);
     * while aborting, the STEP of the run's callback indexes
     * plan->abort_steps and this array. */
    enum plan_step_state *abort_st;
    /* Who wrote it last (plan_journal_save writes its own process): the
     * pgdeck that runs the plan.  Read back by plan_journal_load. */
    int64_t owner_pid;
    char *owner_host;
};

/* The journal directory: paths_state_dir() + "/plans".  Owned. */
char *plan_journal_dir(void);
/* Writes J to DIR/<plan id>.json.  Returns 0, or -1 with *cause set. */
int plan_journal_save(const struct plan_journal *j, const char *dir,
                      char **cause);
/* Reads FILE into *J (owned: plan_journal_clear).  Returns 0, or -1 with
 * *cause naming the file and what is wrong with it. */
int plan_journal_load(const char *file, struct plan_journal *j, char **cause);
void plan_journal_clear(struct plan_journal *j);
/* The journals in DIR of plans that did not finish (outcome NONE), oldest
 * first, as file paths (owned, NULL-terminated array; *N their count).
 * A missing DIR is no plans.  A journal that cannot be read is listed too
 * (by its file's time), so that loading it tells the operator what is
 * wrong with it instead of the plan silently disappearing. */
char **plan_journal_list(const char *dir, size_t *n);
/* Like plan_journal_list(), the journals kept of plans that ended without
 * success (failed, refused half-way, cancelled, outcome unknown): they can
 * still be resumed or aborted by id.  Unreadable ones are not listed. */
char **plan_journal_list_stopped(const char *dir, size_t *n);
/* Whether J is being run right now by another pgdeck process of this host
 * (its owner pid lives and is a pgdeck).  Such a plan is not offered for
 * resume or abort: its lease nonces are in use.  A plan whose owner was
 * killed, or detached and exited, is not live. */
int plan_journal_live(const struct plan_journal *j);
/* Removes DIR/<id>.json of a finished plan (kept when it did not finish:
 * a journal whose outcome is NONE, or that cannot be read, stays). */
void plan_journal_remove(const char *dir, const char *id);

/* ---- the runner (plan_run.c) ---- */

struct plan_run;

struct plan_run_opts {
    const char *context;     /* for the journal and audit */
    const char *journal_dir; /* NULL: plan_journal_dir() */
    const char *audit_file;  /* NULL: paths_audit_log() */
    int lease_ttl_s;         /* 0: PLAN_LEASE_TTL_S */
    /* The client of the GraphQL API (http.h, prefix ""), for the steps
     * with graphql set; NULL: those steps fail, saying so. */
    struct http *graphql;
};

/* Called after every change of a step's state and when the plan ends
 * (plan_run_outcome() != NONE): the UI redraws, the CLI prints a line.
 * STEP indexes plan->steps (plan->abort_steps while the journal is
 * aborting); at the end it is the journal's current (may equal the
 * count).  The callback may call plan_run_cancel/detach/free. */
typedef void (*plan_run_cb)(struct plan_run *r, size_t step, void *arg);

/* Starts running P (ownership passes to the run) on L with H.  Returns
 * the run at once (owned: plan_run_free); CB runs from the loop. */
struct plan_run *plan_run_start(struct loop *l, struct http *h, struct plan *p,
                                const struct plan_run_opts *opts,
                                plan_run_cb cb, void *arg);

enum plan_resume_mode { PLAN_RESUME, PLAN_ABORT };

/* Continues the journal J (ownership passes to the run; J is zeroed) in
 * MODE: RESUME reconciles the step in flight and goes on; ABORT runs the
 * abort steps.  Leases are taken again with the journaled nonces (a lease
 * that expired is acquired anew).  (Engine notes: a journal that ended
 * FAILED or UNKNOWN resumes too, its failed step reconciled and retried; a
 * journal that was aborting goes on aborting in either mode; a resumed run
 * that ends before sending anything, because a lease is held by someone
 * else or a reconcile cannot tell, ends REFUSED and leaves the journal's
 * outcome as it was, so the plan stays resumable.) */
struct plan_run *plan_run_resume(struct loop *l, struct http *h,
                                 struct plan_journal *j,
                                 enum plan_resume_mode mode,
                                 const struct plan_run_opts *opts,
                                 plan_run_cb cb, void *arg);

/* Asks the run to stop at the end of the step in flight (an operator's
 * cancel); it then releases its leases and ends ABORTED.  The abort steps
 * are not run (`pgdeck abort` does that).  (Engine notes: a WAIT stops at
 * once, between two tries: its step goes back to pending; a cancelled
 * abort run leaves its journal unfinished.) */
void plan_run_cancel(struct plan_run *r);
/* Stops at once without touching the journal or the leases (SIGHUP,
 * SIGTERM: the plan stays resumable).  Pending requests are cancelled. */
void plan_run_detach(struct plan_run *r);

/* Borrowed views of the run. */
const struct plan *plan_run_plan(const struct plan_run *r);
const struct plan_journal *plan_run_journal(const struct plan_run *r);
enum plan_outcome plan_run_outcome(const struct plan_run *r);
/* Why it failed or was refused ("lease on 148e... held by ops@example
 * (pgdeck failover acme-db)"), or NULL. */
const char *plan_run_error(const struct plan_run *r);
/* Milliseconds the current (or last) step has run; the run's total. */
int64_t plan_run_step_elapsed_ms(const struct plan_run *r, size_t step);
int64_t plan_run_elapsed_ms(const struct plan_run *r);
/* The last progress note of STEP ("waiting: state is starting", "HTTP 409:
 * ..."), or NULL; borrowed. */
const char *plan_run_note(const struct plan_run *r, size_t step);
/* Added by the engine: the same for abort step STEP (plan->abort_steps);
 * plan_run_note and plan_run_step_elapsed_ms always index plan->steps. */
const char *plan_run_abort_note(const struct plan_run *r, size_t step);
int64_t plan_run_abort_step_elapsed_ms(const struct plan_run *r, size_t step);

/* Whether the run aborted and every abort step is done or skipped: the
 * cluster is back in its safe state and the journal is removed
 * (`pgdeck abort` exits 0).  0 otherwise. */
int plan_run_abort_clean(const struct plan_run *r);

/* Cancels every request and timer (no callback), frees. NULL is fine. */
void plan_run_free(struct plan_run *r);

/* Names: "pending", "running", "done", "skipped", "failed"; "none",
 * "done", "refused", "failed", "unknown", "aborted". */
const char *plan_step_state_name(enum plan_step_state s);
const char *plan_outcome_name(enum plan_outcome o);

#endif
