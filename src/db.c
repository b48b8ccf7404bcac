#include "config.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "src/db.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/xmalloc.h"

/*
 * db: the libpq adapter (see db.h).  The socket is registered in the loop
 * by db_watch() after every step, with the events libpq wants next; the fd
 * callback (db_service) and the timers are the only places that advance a
 * connection.
 */

#define DB_MAX_SETS 8
#define DB_QUERY_GRACE_MS 2000

struct db_result {
    PGresult *sets[DB_MAX_SETS];
    size_t n;
};

struct db_conn {
    struct loop *loop;
    PGconn *conn;
    enum db_state state;
    int fd;         /* registered socket, -1 none */
    int want_write; /* connecting: POLLING_WRITING; busy: flush pending */
    char *host;
    int port;
    char *error;
    uint64_t timer;
    int64_t connect_timeout_ms;
    int64_t statement_timeout_ms;
    db_state_cb state_cb;
    void *state_arg;
    db_query_cb query_cb;
    void *query_arg;
    struct db_result result;
    char *query_error; /* the SQL error of the running query */
    int *alive;        /* set to 0 by db_free(), for callbacks */
};

static void db_service(struct loop *l, int fd, int events, void *arg);
static void db_watch(struct db_conn *c);
static void db_fail(struct db_conn *c, const char *msg);
static void db_connect_step(struct db_conn *c);
static void db_busy_step(struct db_conn *c, int readable);
static void db_result_clear(struct db_result *r);
static void db_timeout(struct loop *l, uint64_t id, void *arg);
static void db_report_failed(struct loop *l, uint64_t id, void *arg);
static char *db_pq_error(const PGconn *conn);

/* libpq's message, trimmed of its trailing newline; owned. */
static char *db_pq_error(const PGconn *conn)
{
    const char *m = conn ? PQerrorMessage(conn) : "";
    size_t n = strcspn(m, "\n");

    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    /* libpq adds hint lines ("Is the server running..."): keep the
     * first, which names the cause. */
    return x_strndup(m, n);
}

struct db_conn *db_open(struct loop *l, const struct db_params *p,
                        db_state_cb cb, void *arg)
{
    struct db_conn *c = x_calloc(1, sizeof *c);
    const char *keys[12], *vals[12];
    char port[16], *options = NULL;
    int n = 0;

    c->loop = l;
    c->fd = -1;
    c->host = x_strdup(p->host);
    c->port = p->port;
    c->state = DB_CONNECTING;
    c->state_cb = cb;
    c->state_arg = arg;
    c->connect_timeout_ms =
        p->connect_timeout_ms > 0 ? p->connect_timeout_ms : 3000;
    c->statement_timeout_ms = p->statement_timeout_ms;

    (void)snprintf(port, sizeof port, "%d", p->port);
    keys[n] = "host", vals[n++] = p->host;
    keys[n] = "port", vals[n++] = port;
    keys[n] = "user", vals[n++] = p->user;
    keys[n] = "dbname", vals[n++] = p->dbname;
    keys[n] = "application_name",
    vals[n++] = p->application_name ? p->application_name : "pgdeck";
    keys[n] = "connect_timeout", vals[n++] = "3";
    if (p->passfile)
        keys[n] = "passfile", vals[n++] = p->passfile;
    if (p->password)
        keys[n] = "password", vals[n++] = p->password;
    if (p->statement_timeout_ms > 0) {
        options = x_asprintf("-c statement_timeout=%lld",
                             (long long)p->statement_timeout_ms);
        keys[n] = "options", vals[n++] = options;
    }
    keys[n] = NULL, vals[n] = NULL;

    c->conn = PQconnectStartParams(keys, vals, 0);
    free(options);
    if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
        char *e = db_pq_error(c->conn);

        c->state = DB_FAILED;
        c->error = x_asprintf("connect to %s:%d: %s", c->host, c->port,
                              *e ? e : "cannot start");
        free(e);
        c->timer = loop_timer_add(l, 0, db_report_failed, c);
        return c;
    }
    c->timer = loop_timer_add(l, c->connect_timeout_ms, db_timeout, c);
    /* PQconnectStartParams leaves us in PGRES_POLLING_WRITING. */
    c->want_write = 1;
    db_watch(c);
    return c;
}

/* The deferred report of a connection that failed inside db_open(). */
static void db_report_failed(struct loop *l, uint64_t id, void *arg)
{
    struct db_conn *c = arg;

    (void)l;
    (void)id;
    c->timer = 0;
    if (c->state_cb)
        c->state_cb(c, DB_FAILED, c->state_arg);
}

void db_free(struct db_conn *c)
{
    if (!c)
        return;
    if (c->alive)
        *c->alive = 0;
    if (c->fd >= 0)
        loop_del_fd(c->loop, c->fd);
    if (c->timer)
        loop_timer_cancel(c->loop, c->timer);
    db_result_clear(&c->result);
    if (c->conn)
        PQfinish(c->conn);
    free(c->host);
    free(c->error);
    free(c->query_error);
    free(c);
}

enum db_state db_state(const struct db_conn *c)
{
    return c->state;
}

const char *db_error(const struct db_conn *c)
{
    return c->error ? c->error : "";
}

/* Registers the socket for what libpq waits for now: connecting, the
 * direction PQconnectPoll asked for; busy, reads (and writes while a flush
 * is pending); idle, reads, so that a server close is noticed; failed,
 * nothing. */
static void db_watch(struct db_conn *c)
{
    int fd = c->conn && c->state != DB_FAILED ? PQsocket(c->conn) : -1;
    int ev;

    if (c->fd >= 0 && c->fd != fd) {
        loop_del_fd(c->loop, c->fd);
        c->fd = -1;
    }
    if (fd < 0)
        return;
    if (c->state == DB_CONNECTING)
        ev = c->want_write ? LOOP_WRITE : LOOP_READ;
    else if (c->state == DB_BUSY)
        ev = LOOP_READ | (c->want_write ? LOOP_WRITE : 0);
    else
        ev = LOOP_READ;
    loop_add_fd(c->loop, fd, ev, db_service, c);
    c->fd = fd;
}

/* Moves C to DB_FAILED with MSG ("HOST:PORT: " is added), reports it. */
static void db_fail(struct db_conn *c, const char *msg)
{
    db_query_cb qcb = c->query_cb;
    void *qarg = c->query_arg;
    int was_busy = c->state == DB_BUSY, alive = 1;

    free(c->error);
    c->error = x_asprintf("%s:%d: %s", c->host, c->port, msg);
    c->state = DB_FAILED;
    log_msg("db: %s", c->error);
    if (c->fd >= 0) {
        loop_del_fd(c->loop, c->fd);
        c->fd = -1;
    }
    if (c->timer) {
        loop_timer_cancel(c->loop, c->timer);
        c->timer = 0;
    }
    db_result_clear(&c->result);
    c->query_cb = NULL;
    c->alive = &alive;
    if (was_busy && qcb)
        qcb(c, NULL, c->error, qarg);
    if (alive && c->state_cb)
        c->state_cb(c, DB_FAILED, c->state_arg);
    if (alive)
        c->alive = NULL;
}

static void db_timeout(struct loop *l, uint64_t id, void *arg)
{
    struct db_conn *c = arg;
    char what[64];

    (void)l;
    (void)id;
    c->timer = 0;
    if (c->state == DB_CONNECTING) {
        (void)snprintf(what, sizeof what, "connect timed out after %.1f s",
                       (double)c->connect_timeout_ms / 1000.0);
        db_fail(c, what);
    } else if (c->state == DB_BUSY) {
        (void)snprintf(what, sizeof what, "no answer to the query after %.1f s",
                       (double)(c->statement_timeout_ms + DB_QUERY_GRACE_MS) /
                           1000.0);
        db_fail(c, what);
    }
}

static void db_connect_step(struct db_conn *c)
{
    PostgresPollingStatusType st = PQconnectPoll(c->conn);
    char *e;

    switch (st) {
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(c->conn, 1) != 0) {
            e = db_pq_error(c->conn);
            db_fail(c, e);
            free(e);
            return;
        }
        loop_timer_cancel(c->loop, c->timer);
        c->timer = 0;
        c->state = DB_IDLE;
        c->want_write = 0;
        db_watch(c);
        if (c->state_cb)
            c->state_cb(c, DB_IDLE, c->state_arg);
        return;
    case PGRES_POLLING_READING:
        c->want_write = 0;
        db_watch(c);
        return;
    case PGRES_POLLING_WRITING:
        c->want_write = 1;
        db_watch(c);
        return;
    default:
        e = db_pq_error(c->conn);
        db_fail(c, *e ? e : "connection failed");
        free(e);
        return;
    }
}

/* A busy connection: flush, read, collect results. */
static void db_busy_step(struct db_conn *c, int readable)
{
    PGresult *res;
    char *e;

    if (c->want_write) {
        int f = PQflush(c->conn);

        if (f < 0) {
            e = db_pq_error(c->conn);
            db_fail(c, e);
            free(e);
            return;
        }
        c->want_write = f == 1;
    }
    if (readable && PQconsumeInput(c->conn) == 0) {
        e = db_pq_error(c->conn);
        db_fail(c, *e ? e : "connection lost");
        free(e);
        return;
    }
    while (!PQisBusy(c->conn)) {
        res = PQgetResult(c->conn);
        if (!res) {
            db_query_cb cb = c->query_cb;
            void *arg = c->query_arg;
            char *qe = c->query_error;
            int alive = 1;

            c->query_error = NULL;
            c->query_cb = NULL;
            loop_timer_cancel(c->loop, c->timer);
            c->timer = 0;
            c->state = DB_IDLE;
            c->want_write = 0;
            db_watch(c);
            c->alive = &alive;
            if (cb)
                cb(c, qe ? NULL : &c->result, qe, arg);
            free(qe);
            if (alive) {
                c->alive = NULL;
                db_result_clear(&c->result);
            }
            return;
        }
        switch (PQresultStatus(res)) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
            if (c->result.n < DB_MAX_SETS) {
                c->result.sets[c->result.n++] = res;
                res = NULL;
            }
            break;
        default:
            if (!c->query_error) {
                const char *m = PQresultErrorMessage(res);
                size_t n = strlen(m);

                while (n > 0 && m[n - 1] == '\n')
                    n--;
                c->query_error =
                    x_asprintf("%s:%d: %.*s", c->host, c->port, (int)n, m);
            }
            break;
        }
        PQclear(res);
    }
    db_watch(c);
}

static void db_service(struct loop *l, int fd, int events, void *arg)
{
    struct db_conn *c = arg;

    (void)l;
    (void)fd;
    switch (c->state) {
    case DB_CONNECTING:
        db_connect_step(c);
        break;
    case DB_BUSY:
        db_busy_step(c, (events & (LOOP_READ | LOOP_ERROR)) != 0);
        break;
    case DB_IDLE:
        /* Unsolicited input: a notice, or the server closing on us. */
        if (PQconsumeInput(c->conn) == 0 ||
            PQstatus(c->conn) == CONNECTION_BAD) {
            char *e = db_pq_error(c->conn);

            db_fail(c, *e ? e : "connection closed");
            free(e);
        }
        break;
    default:
        break;
    }
}

int db_query(struct db_conn *c, const char *sql, db_query_cb cb, void *arg)
{
    char *e;
    int f;

    if (c->state != DB_IDLE)
        return -1;
    if (PQsendQuery(c->conn, sql) == 0) {
        /* Reported from the loop, never from inside db_query(). */
        e = db_pq_error(c->conn);
        free(c->error);
        c->error = x_asprintf("%s:%d: %s", c->host, c->port,
                              *e ? e : "cannot send the query");
        free(e);
        c->state = DB_FAILED;
        db_watch(c);
        c->timer = loop_timer_add(c->loop, 0, db_report_failed, c);
        return -1;
    }
    c->state = DB_BUSY;
    c->query_cb = cb;
    c->query_arg = arg;
    f = PQflush(c->conn);
    c->want_write = f == 1;
    c->timer = loop_timer_add(
        c->loop,
        (c->statement_timeout_ms > 0 ? c->statement_timeout_ms : 10000) +
            DB_QUERY_GRACE_MS,
        db_timeout, c);
    db_watch(c);
    return 0;
}

static void db_result_clear(struct db_result *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        PQclear(r->sets[i]);
    r->n = 0;
}

size_t db_result_sets(const struct db_result *r)
{
    return r ? r->n : 0;
}

int db_result_rows(const struct db_result *r, size_t set)
{
    if (!r || set >= r->n)
        return 0;
    return PQntuples(r->sets[set]);
}

int db_result_cols(const struct db_result *r, size_t set)
{
    if (!r || set >= r->n)
        return 0;
    return PQnfields(r->sets[set]);
}

int db_result_col(const struct db_result *r, size_t set, const char *name)
{
    if (!r || set >= r->n)
        return -1;
    return PQfnumber(r->sets[set], name);
}

const char *db_result_value(const struct db_result *r, size_t set, int row,
                            int col)
{
    if (!r || set >= r->n || row < 0 || col < 0 ||
        row >= PQntuples(r->sets[set]) || col >= PQnfields(r->sets[set]))
        return NULL;
    if (PQgetisnull(r->sets[set], row, col))
        return NULL;
    return PQgetvalue(r->sets[set], row, col);
}
