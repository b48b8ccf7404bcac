/*
 * faults: fault injection for tests and drills (only with --enable-faults).
 *
 * A rule names a path pattern (a glob with '*' matching across '/', or a
 * plain prefix) and optionally a method, and says what to do to matching
 * /v1 requests: add latency, hang (until the rule is cleared or the daemon
 * stops), answer an error status (429 with Retry-After unless retry_after
 * is 0), drop the connection, or mangle the body (malformed JSON, truncated,
 * padded to 20 MB, or its value types swapped).  A rule may be limited to COUNT
 * requests, and may first let SKIP matching requests through untouched (fail
 * exactly the second volume create: skip 1, count 1). The /admin routes
 * (routes_admin_*) add, list and clear rules and trigger the runtime drills:
 * crash a machine (with down_s, held down by the monitor that long whatever
 * its restart policy: st_machine.down_until_ms), pause WAL replay, fill a
 * volume, set a machine's host_status (the API then renders
 * incomplete_config for config and its flyd routes answer 503), keep a
 * machine's GET answering its previous state for N seconds after each
 * update or restart (st_machine.stale_s).
 *
 * Collaborators: http.c (faults_match before dispatch), routes.h.
 */
#ifndef PGDECK_SRC_PLATFORMD_FAULTS_H
#define PGDECK_SRC_PLATFORMD_FAULTS_H

enum faults_body {
    FAULTS_BODY_NONE,
    FAULTS_BODY_MALFORMED,   /* not JSON at all */
    FAULTS_BODY_TRUNCATED,   /* the first half of the real body */
    FAULTS_BODY_RESET,       /* no answer: the connection is dropped */
    FAULTS_BODY_HUGE,        /* the real body followed by 20 MB of spaces */
    FAULTS_BODY_WRONG_TYPES, /* every string a number, every number a string */
};

/* The size a "huge" body is padded to. */
#define FAULTS_HUGE_BYTES (20 * 1024 * 1024)

/* The name of body fault B ("" for none); static. */
const char *faults_body_name(enum faults_body b);

struct faults_action {
    int id;
    int latency_ms;
    int hang;
    int status;
    int retry_after_s;
    enum faults_body body;
};

/*
 * Whether a rule matches METHOD and PATH: 1 and *a filled (a limited rule's
 * count is consumed), or 0.  The first matching rule that still skips
 * consumes one skip and the request goes through (0).
 */
int faults_match(const char *method, const char *path, struct faults_action *a);

/* Whether PATTERN matches PATH (glob when it has * ? [, else prefix). */
int faults_pattern_match(const char *pattern, const char *path);

/* Sleeps the latency of A, or hangs while rule A->id exists (max 1 h);
 * returns early at shutdown. */
void faults_delay(const struct faults_action *a);

/* Wakes every hanging request (daemon shutdown). */
void faults_shutdown(void);

#endif
