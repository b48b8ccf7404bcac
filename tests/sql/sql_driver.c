/*
 * sql_driver: runs statements on one struct sql (src/sql.h) on a real loop,
 * for tests/sql/sql-session.test.
 *
 *   sql_driver HOST PASSFILE MAX_ROWS STATEMENT_TIMEOUT_MS READ_ONLY ARG...
 *
 * Each ARG is a statement run on the same session, in order, or:
 *   !cancel=MS SQL   run SQL and call sql_cancel() MS ms after it was sent
 *   !waitfile=PATH   wait (loop timers, 100 ms) until PATH exists
 * One line per statement:
 *   done sets=N rows=N truncated=0|1 cancelled=0|1 lost=0|1 state=S
 *        err=SQLSTATE|client|- notices=N ms=N first=VALUE msg=TEXT
 * (first: the first cell of the last set with rows, "NULL" for SQL NULL,
 * "-" when none).  Exit 0 when every statement ran (whatever its result).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/loop.h"
#include "src/sql.h"

struct drv {
    struct loop *loop;
    struct sql *sql;
    int done;
    uint64_t cancel_timer;
    const char *wait_path;
};

static void drv_event(struct sql *s, enum sql_event ev, void *arg)
{
    struct drv *d = arg;

    (void)s;
    if (ev == SQL_EV_DONE) {
        d->done = 1;
        loop_stop(d->loop);
    }
}

static void drv_cancel(struct loop *l, uint64_t id, void *arg)
{
    struct drv *d = arg;

    (void)l;
    (void)id;
    d->cancel_timer = 0;
    if (sql_cancel(d->sql) != 0)
        printf("# cancel: nothing was running\n");
}

static void drv_poll_file(struct loop *l, uint64_t id, void *arg)
{
    struct drv *d = arg;

    (void)id;
    if (access(d->wait_path, F_OK) == 0)
        loop_stop(l);
    else
        loop_timer_add(l, 100, drv_poll_file, d);
}

static const char *drv_state(enum sql_state st)
{
    switch (st) {
    case SQL_DISCONNECTED:
        return "disconnected";
    case SQL_CONNECTING:
        return "connecting";
    case SQL_IDLE:
        return "idle";
    case SQL_BUSY:
        return "busy";
    }
    return "?";
}

static void drv_report(struct drv *d)
{
    const struct sql_result *r = sql_result(d->sql);
    const char *first = "-";
    size_t i;
    int truncated = 0;

    for (i = 0; i < r->n_sets; i++) {
        truncated |= r->sets[i].truncated;
        if (r->sets[i].has_rows && r->sets[i].n_rows > 0)
            first = r->sets[i].cells[0] ? r->sets[i].cells[0] : "NULL";
    }
    printf("done sets=%zu rows=%zu truncated=%d cancelled=%d lost=%d "
           "state=%s err=%s notices=%zu ms=%lld first=%s msg=%s\n",
           r->n_sets, r->n_rows_total, truncated, r->cancelled, r->lost,
           drv_state(sql_state(d->sql)),
           r->error ? (r->error->sqlstate ? r->error->sqlstate : "client")
                    : "-",
           r->n_notices, (long long)r->elapsed_ms, first,
           r->error ? r->error->message : "-");
    for (i = 0; i < r->n_notices; i++)
        printf("notice %s\n", r->notices[i]);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct sql_target t;
    struct drv d;
    char *cause = NULL;
    int i;

    if (argc < 6) {
        fprintf(stderr, "usage: sql_driver HOST PASSFILE MAX_ROWS "
                        "STATEMENT_TIMEOUT_MS READ_ONLY ARG...\n");
        return 2;
    }
    memset(&t, 0, sizeof t);
    t.host = argv[1];
    t.passfile = argv[2];
    t.statement_timeout_ms = strtoll(argv[4], NULL, 10);
    t.read_only = strcmp(argv[5], "1") == 0;
    memset(&d, 0, sizeof d);
    d.loop = loop_new();
    d.sql =
        sql_new(d.loop, &t, (size_t)strtoul(argv[3], NULL, 10), drv_event, &d);
    for (i = 6; i < argc; i++) {
        const char *stmt = argv[i];
        long cancel_ms = -1;

        if (strncmp(stmt, "!waitfile=", 10) == 0) {
            d.wait_path = stmt + 10;
            loop_timer_add(d.loop, 0, drv_poll_file, &d);
            if (loop_run(d.loop, &cause) != 0)
                return 1;
            printf("# %s exists\n", d.wait_path);
            continue;
        }
        if (strncmp(stmt, "!cancel=", 8) == 0) {
            char *end;

            cancel_ms = strtol(stmt + 8, &end, 10);
            stmt = end + (*end == ' ');
        }
        d.done = 0;
        if (sql_run(d.sql, stmt, &cause) != 0) {
            printf("refused %s\n", cause);
            free(cause);
            cause = NULL;
            continue;
        }
        if (cancel_ms >= 0)
            d.cancel_timer = loop_timer_add(d.loop, cancel_ms, drv_cancel, &d);
        while (!d.done)
            if (loop_run(d.loop, &cause) != 0) {
                fprintf(stderr, "loop: %s\n", cause);
                return 1;
            }
        if (d.cancel_timer)
            loop_timer_cancel(d.loop, d.cancel_timer);
        d.cancel_timer = 0;
        drv_report(&d);
    }
    sql_free(d.sql);
    loop_free(d.loop);
    return 0;
}
