/*
 * drill: incident drills on the local platform (issue 9, second half).
 *
 * A drill breaks a cluster of pgdeck-platformd on purpose through the
 * daemon's fault endpoints (/admin, served only with --enable-faults;
 * pgdeck-platformd(8) FAULTS), so that an operator rehearses with the real
 * console: what the failure looks like and how pgdeck's own actions
 * recover from it.  The table (drill_get) gives each drill its name, a
 * title, what to look for and how to recover; `pgdeck drill list` and the
 * console's drills menu (ui/drill.c) show it.
 *
 *   kill-primary  POST /admin/apps/APP/machines/PRIMARY/crash
 *                 {"down_s": DRILL_DOWN_S}: repmgrd promotes a replica; the
 *                 platform holds the old primary down (its restart policy
 *                 "always" would bring it back before repmgrd notices)
 *   pause-replay  POST /admin/apps/APP/machines/REPLICA/replay {"paused":true}
 *   fill-disk     POST /admin/apps/APP/volumes/VOL/fill {"percent": 95} on the
 *                 primary's volume (or --node's): read-only above 90 %
 *   api-slow      POST /admin/faults, a latency past the client's timeout
 *                 on the glob of the app's paths (/v1/apps/APP/ then a
 *                 star): the cluster's data goes stale
 *   api-failing   POST /admin/faults, status 503 on the same paths
 *   reset         the fault rules of the cluster's paths deleted, replay
 *                 resumed on every started replica, every filler of its
 *                 volumes removed (percent 0), machines a crash left down
 *                 (stopped or failed, newest event an exit by SIGKILL)
 *                 started.  Best effort: every request is tried.
 *
 * Drills run only in the built-in `local` context (token source
 * SETTINGS_TOKEN_PLATFORM) and never read-only (drill_refusal).  Building
 * a drill is a pure function of the fleet model (drill_build, unit-tested);
 * running it (drill_run_start) is asynchronous on the loop, on a client
 * without the "/v1" prefix (drill_http), and asks GET /admin/faults first:
 * a 404 there means the daemon runs without --enable-faults, and the error
 * says how to restart it.
 *
 * Collaborators: fleet (the model), http/loop (the requests), context
 * (the token, the refusal), settings (the suggestion, the client's
 * timeout), drill_cli.c (`pgdeck drill list|run|reset`), ui/drill.c.
 */
#ifndef PGDECK_SRC_DRILL_H
#define PGDECK_SRC_DRILL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/buf.h"

struct cli;
struct context;
struct fleet_cluster;
struct http;
struct loop;
struct settings;

/* kill-primary holds the old primary down this long (seconds). */
#define DRILL_DOWN_S 60
/* fill-disk fills the volume to this percentage. */
#define DRILL_FILL_PCT 95
/* api-slow: the latency added beyond the client's total timeout. */
#define DRILL_SLOW_EXTRA_MS 5000
/* A drill's requests may take this long (a fill writes ~1 GB). */
#define DRILL_HTTP_TIMEOUT_MS 120000

enum drill_id {
    DRILL_KILL_PRIMARY,
    DRILL_PAUSE_REPLAY,
    DRILL_FILL_DISK,
    DRILL_API_SLOW,
    DRILL_API_FAILING,
    DRILL__COUNT,
    DRILL_RESET = DRILL__COUNT /* not a drill: heals what they broke */
};

struct drill_def {
    const char *name;    /* "kill-primary" */
    const char *title;   /* one line */
    const char *look;    /* what to look for */
    const char *recover; /* how to recover, in general terms */
};

/* The drill D (0 <= D < DRILL__COUNT), static. */
const struct drill_def *drill_get(enum drill_id d);
/* The drill called NAME, or -1. */
int drill_find(const char *name);
/* The drill name closest to NAME when it is a likely typo, else NULL
 * (static). */
const char *drill_suggest(const char *name);
/* `pgdeck drill list`: every drill with its title, what to look for and
 * how to recover, and the reset. */
void drill_list(struct buf *out);

/* Why drills may not run in context CTX (READ_ONLY: --read-only or the
 * setting), for people and owned; NULL when they may. */
char *drill_refusal(const struct context *ctx, int read_only);

/* One request of a drill.  PATH is whole ("/admin/...", "/v1/..."). */
struct drill_req {
    char *what; /* "crash the primary 148e... (held down 60 s)" */
    char *method;
    char *path;
    char *body; /* JSON, or NULL */
};

/* What a drill (or the reset) will do to one cluster. */
struct drill_plan {
    enum drill_id id; /* DRILL_RESET for the reset */
    char *cluster;
    char *node;    /* the node it breaks, "" for the whole cluster */
    char *look;    /* what to look for, about this cluster and node */
    char *recover; /* how to recover, with the commands for this cluster */
    struct drill_req *reqs;
    size_t n_reqs;
};

/* Builds drill D on cluster C.  NODE (may be NULL) picks the replica of
 * pause-replay, or the node whose volume fill-disk fills; TIMEOUT_MS is
 * the console's HTTP timeout (api-slow adds DRILL_SLOW_EXTRA_MS to it).
 * Returns 0 with *P filled (drill_plan_clear), or -1 with *cause set: no
 * primary to kill, no replica to fail over to or to pause, an unknown
 * NODE (its nodes listed), a node without a volume. */
int drill_build(const struct fleet_cluster *c, enum drill_id d,
                const char *node, int64_t timeout_ms, struct drill_plan *p,
                char **cause);
/* The reset of cluster C, but for its fault rules (drill_reset_faults
 * adds them once GET /admin/faults answered). */
void drill_build_reset(const struct fleet_cluster *c, struct drill_plan *p);
/* Adds to reset plan P a DELETE /admin/faults/ID for each rule of FAULTS
 * (the JSON of GET /admin/faults) on P's cluster (drill_rule_of).
 * Returns the number added, or -1 with *cause set (not a list of rules). */
int drill_reset_faults(struct drill_plan *p, const char *faults, char **cause);
/* Whether fault rule PATTERN is about app APP's paths: "/v1/apps/APP",
 * "/v1/apps/APP/...", "/v1/apps/APP*" and the like, never another app's
 * ("/v1/apps/APP2/..."). */
int drill_rule_of(const char *pattern, const char *app);
void drill_plan_clear(struct drill_plan *p);

/* A client for the /admin and /v1 paths of context CTX's platform: no
 * path prefix, no retries, DRILL_HTTP_TIMEOUT_MS.  Returns 0 with *out set
 * (http_free), or -1 with *cause set. */
int drill_http(struct loop *l, const struct context *ctx, struct http **out,
               char **cause);

/* The answer RES of GET /admin/faults (at BASE) as an error for people,
 * with *rc the exit code (3: no fault endpoints, said how to fix; 4: no
 * answer; 1: another error); NULL when it is a list of rules (*rc 0).
 * Owned by the caller. */
char *drill_probe_error(int status, const char *error, const char *base,
                        int *rc);

/* ---- the run, on the loop ---- */

struct drill_run;

/* Called once when the run ended (never from inside drill_run_start).
 * The callback may drill_run_free(R) and http_free() the client. */
typedef void (*drill_done_cb)(struct drill_run *r, void *arg);

/* Runs plan P (taken over) on client H: GET /admin/faults, then each
 * request in order (a drill stops at the first failure; the reset tries
 * them all).  Returns the run (drill_run_free). */
struct drill_run *drill_run_start(struct http *h, struct drill_plan *p,
                                  drill_done_cb cb, void *arg);
/* Cancels a run still in flight (no callback) and frees it.  NULL is
 * fine. */
void drill_run_free(struct drill_run *r);
/* The outcome once ended: an exit code (enum cli_exit: 0 done, 1 failed,
 * 3 refused: no /admin endpoints, 4 unreachable). */
int drill_run_rc(const struct drill_run *r);
/* Why it failed (NULL when rc is 0); borrowed. */
const char *drill_run_error(const struct drill_run *r);
/* One line per request done ("ok" or why not); borrowed. */
const char *drill_run_log(const struct drill_run *r);
/* The plan it ran; borrowed. */
const struct drill_plan *drill_run_plan(const struct drill_run *r);

/* `pgdeck drill list|run|reset` (drill_cli.c): an exit code. */
int drill_cli_run(const struct cli *cli, const struct settings *s,
                  const struct context *ctx, FILE *out, FILE *err);

#endif
