/*
 * audit: the audit log of every mutation, $XDG_STATE_HOME/pgdeck/audit.log
 * (paths_audit_log()), one JSON object per line, appended with O_APPEND so
 * that concurrent pgdeck processes never interleave within a line.
 *
 * A line (keys always present; null when not applicable):
 *   {"time": "2026-11-22T04:45:00.123Z", "user": "ops", "host": "jump1",
 *    "context": "local", "cluster": "acme-db", "plan": "<plan id>",
 *    "action": "failover", "step": 3, "title": "stop the old primary 148e",
 *    "phase": "begin"|"end"|"plan"|"outcome",
 *    "request": {"method": "POST", "path": "/v1/apps/...", "body": {...}},
 *    "result": "done"|"failed"|"skipped"|... , "status": 200,
 *    "detail": "HTTP 409: lease currently held by ..."}
 *
 * Never a token, a password or a lease nonce: the request is the plan's
 * (which holds none), headers are never written, and values of keys that
 * look secret ("password", "token", "nonce", "secret") in a body are
 * replaced by "[redacted]".  The file is created 0600 in a 0700 directory.
 *
 * Collaborators: plan_run (writes), paths (the file), tests (read it).
 */
#ifndef PGDECK_SRC_AUDIT_H
#define PGDECK_SRC_AUDIT_H

#include <stdint.h>

/* One record.  Strings may be NULL (written as null). */
struct audit_rec {
    const char *context;
    const char *cluster;
    const char *plan;
    const char *action;
    long step; /* 1-based, 0: the plan as a whole */
    const char *title;
    const char *phase; /* "plan", "begin", "end", "outcome" */
    const char *method;
    const char *path; /* as sent, after expansion, with "/v1" */
    const char *body; /* JSON as sent, or NULL */
    const char *result;
    int status; /* HTTP status, 0 none */
    const char *detail;
};

/* Appends REC to FILE (NULL: paths_audit_log()), creating the directory
 * and file as needed.  Returns 0, or -1 with *cause set (the file and the
 * system error).  A body that is not valid JSON is written as a string. */
int audit_write(const char *file, const struct audit_rec *rec, char **cause);

#endif
