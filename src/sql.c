#include "config.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/context.h"
#include "src/db.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/settings.h"
#include "src/sql.h"
#include "src/xmalloc.h"

/*
 * sql: the interactive session (see sql.h).  Like db.c, the socket is
 * registered in the loop after every step with the events libpq wants
 * next, and only the loop's callbacks (sql_service, the timers) advance
 * the session.  Rows come in single-row mode and are copied into the
 * result's last set; a turn takes at most SQL_BATCH_ROWS of them and
 * leaves the rest for a 0 ms timer, so the UI redraws in between.
 */

#define SQL_MAX_NOTICES 1000
#define SQL_DEFAULT_MAX_ROWS 10000

struct sql {
    struct loop *loop;
    sql_cb cb;
    void *arg;

    /* The target (owned copies). */
    char *host, *user, *dbname, *passfile, *password, *appname;
    int port;
    int64_t connect_timeout_ms, statement_timeout_ms;
    int read_only;
    size_t max_rows;

    PGconn *conn;
    enum sql_state state;
    int fd;         /* registered socket, -1 none */
    int want_write; /* connecting: POLLING_WRITING; busy: flush pending */
    uint64_t connect_timer;
    uint64_t batch_timer;  /* more rows are waiting: go on next turn */
    uint64_t report_timer; /* a drop asked outside the loop: report */
    char *conn_error;
    int needs_password;
    char version[32];

    struct sql_result *res;
    size_t cells_cap; /* allocated cells of the result's last set */
    char *pending;    /* a statement waiting for the connection */
    int64_t sent_ms;
    int capped; /* the row cap was hit: rows are dropped, cancel sent */

    struct db_conn *canceller; /* the pg_cancel_backend() connection */
    int cancels;               /* sql_cancel() calls for this statement */

    int *alive; /* set to 0 by sql_free(), for the callback */
};

static void sql_service(struct loop *l, int fd, int events, void *arg);
static void sql_watch(struct sql *s);
static void sql_emit(struct sql *s, enum sql_event ev);
static void sql_send(struct sql *s);
static void sql_busy_step(struct sql *s, int readable);
static void sql_lost(struct sql *s, const char *why);
static void sql_drop_conn(struct sql *s);
static void sql_result_free(struct sql_result *r);
static void sql_notice(void *arg, const PGresult *res);
static char *sql_pq_error(const PGconn *conn);
static void sql_cancel_start(struct sql *s);

/* libpq's message, first line only (its hints follow); owned. */
static char *sql_pq_error(const PGconn *conn)
{
    const char *m = conn ? PQerrorMessage(conn) : "";
    size_t n = strcspn(m, "\n");

    while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\r'))
        n--;
    return x_strndup(m, n);
}

static char *sql_dup(const char *v)
{
    return v ? x_strdup(v) : NULL;
}

void sql_target_from(struct sql_target *t, const struct context *ctx,
                     const struct settings *s, const char *host)
{
    memset(t, 0, sizeof *t);
    t->host = host;
    t->port = 5433;
    t->user = ctx && ctx->pg_user && *ctx->pg_user ? ctx->pg_user : "postgres";
    t->dbname = "postgres";
    if (ctx && ctx->pgcred == SETTINGS_PGCRED_PASSFILE)
        t->passfile = ctx->pgcred_arg;
    if (ctx && ctx->pgcred == SETTINGS_PGCRED_ENV && ctx->pgcred_arg)
        t->password = getenv(ctx->pgcred_arg);
    t->application_name = "pgdeck-sql";
    t->connect_timeout_ms =
        s ? settings_num(s, SETTINGS_PG_CONNECT_TIMEOUT) : 3000;
    t->statement_timeout_ms =
        s ? settings_num(s, SETTINGS_SQL_STATEMENT_TIMEOUT) : 0;
    t->read_only = (ctx && ctx->read_only) ||
                   (s && settings_num(s, SETTINGS_READ_ONLY) == 1);
}

struct sql *sql_new(struct loop *l, const struct sql_target *t, size_t max_rows,
                    sql_cb cb, void *arg)
{
    struct sql *s = x_calloc(1, sizeof *s);

    s->loop = l;
    s->cb = cb;
    s->arg = arg;
    s->host = x_strdup(t->host ? t->host : "");
    s->port = t->port > 0 ? t->port : 5433;
    s->user = x_strdup(t->user ? t->user : "postgres");
    s->dbname = x_strdup(t->dbname ? t->dbname : "postgres");
    s->passfile = sql_dup(t->passfile);
    s->password = sql_dup(t->password);
    s->appname =
        x_strdup(t->application_name ? t->application_name : "pgdeck-sql");
    s->connect_timeout_ms =
        t->connect_timeout_ms > 0 ? t->connect_timeout_ms : 3000;
    s->statement_timeout_ms =
        t->statement_timeout_ms > 0 ? t->statement_timeout_ms : 0;
    s->read_only = t->read_only;
    s->max_rows = max_rows > 0 ? max_rows : SQL_DEFAULT_MAX_ROWS;
    s->state = SQL_DISCONNECTED;
    s->fd = -1;
    return s;
}

static void sql_wipe_free(char *p)
{
    if (p) {
        x_wipe(p, strlen(p));
        free(p);
    }
}

void sql_free(struct sql *s)
{
    if (!s)
        return;
    if (s->alive)
        *s->alive = 0;
    sql_drop_conn(s);
    if (s->batch_timer)
        loop_timer_cancel(s->loop, s->batch_timer);
    if (s->report_timer)
        loop_timer_cancel(s->loop, s->report_timer);
    sql_result_free(s->res);
    free(s->host);
    free(s->user);
    free(s->dbname);
    free(s->passfile);
    sql_wipe_free(s->password);
    free(s->appname);
    free(s->conn_error);
    free(s->pending);
    free(s);
}

enum sql_state sql_state(const struct sql *s)
{
    return s->state;
}

const struct sql_result *sql_result(const struct sql *s)
{
    return s->res;
}

const char *sql_conn_error(const struct sql *s)
{
    return s->conn_error ? s->conn_error : "";
}

int sql_needs_password(const struct sql *s)
{
    return s->needs_password;
}

void sql_set_password(struct sql *s, const char *password)
{
    sql_wipe_free(s->password);
    s->password = sql_dup(password);
    s->needs_password = 0;
}

const char *sql_server_version(const struct sql *s)
{
    return s->version;
}

int sql_read_only(const struct sql *s)
{
    return s->read_only;
}

/* ---- results ---- */

static void sql_error_free(struct sql_error *e)
{
    if (!e)
        return;
    free(e->severity);
    free(e->sqlstate);
    free(e->message);
    free(e->detail);
    free(e->hint);
    free(e->context);
    free(e);
}

static void sql_set_clear(struct sql_set *set)
{
    size_t i;

    for (i = 0; i < set->n_cols; i++)
        free(set->cols[i].name);
    free(set->cols);
    for (i = 0; i < set->n_rows * set->n_cols; i++)
        free(set->cells[i]);
    free(set->cells);
    free(set->status);
}

static void sql_result_free(struct sql_result *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n_sets; i++)
        sql_set_clear(&r->sets[i]);
    free(r->sets);
    sql_error_free(r->error);
    for (i = 0; i < r->n_notices; i++)
        free(r->notices[i]);
    free(r->notices);
    free(r->text);
    free(r);
}

/* A client-side error (connection failed or lost). */
static struct sql_error *sql_client_error(const char *msg)
{
    struct sql_error *e = x_calloc(1, sizeof *e);

    e->message = x_strdup(msg);
    return e;
}

static char *sql_field(const PGresult *res, int code)
{
    const char *v = PQresultErrorField(res, code);

    return v ? x_strdup(v) : NULL;
}

static struct sql_error *sql_server_error(const PGresult *res)
{
    struct sql_error *e = x_calloc(1, sizeof *e);
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    e->severity = sql_field(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (!e->severity)
        e->severity = sql_field(res, PG_DIAG_SEVERITY);
    e->sqlstate = sql_field(res, PG_DIAG_SQLSTATE);
    if (msg) {
        e->message = x_strdup(msg);
    } else {
        /* No fields (a client-side failure): libpq's text. */
        const char *m = PQresultErrorMessage(res);
        size_t n = strlen(m);

        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
            n--;
        e->message = x_strndup(m, n);
    }
    e->detail = sql_field(res, PG_DIAG_MESSAGE_DETAIL);
    e->hint = sql_field(res, PG_DIAG_MESSAGE_HINT);
    e->context = sql_field(res, PG_DIAG_CONTEXT);
    if (pos) {
        char *end;
        long p = strtol(pos, &end, 10);

        if (*end == '\0' && p > 0 && p < 1000000000L)
            e->position = (int)p;
    }
    return e;
}

/* Whether OID is a type psql right-aligns. */
static int sql_oid_numeric(Oid oid)
{
    switch (oid) {
    case 20:   /* int8 */
    case 21:   /* int2 */
    case 23:   /* int4 */
    case 26:   /* oid */
    case 28:   /* xid */
    case 29:   /* cid */
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 790:  /* money */
    case 1700: /* numeric */
    case 5069: /* xid8 */
        return 1;
    default:
        return 0;
    }
}

/* A new set from RES's row description (or none: a command). */
static struct sql_set *sql_set_new(struct sql *s, const PGresult *res,
                                   int has_rows)
{
    struct sql_result *r = s->res;
    struct sql_set *set;
    int i, n = has_rows ? PQnfields(res) : 0;

    r->sets = x_reallocarray(r->sets, r->n_sets + 1, sizeof *r->sets);
    set = &r->sets[r->n_sets++];
    memset(set, 0, sizeof *set);
    set->has_rows = has_rows;
    set->n_cols = (size_t)n;
    set->cols = n > 0 ? x_calloc((size_t)n, sizeof *set->cols) : NULL;
    for (i = 0; i < n; i++) {
        Oid t = PQftype(res, i);

        set->cols[i].name = x_strdup(PQfname(res, i));
        set->cols[i].type_oid = (unsigned)t;
        set->cols[i].numeric = sql_oid_numeric(t);
        set->cols[i].boolean = t == 16;
    }
    s->cells_cap = 0;
    return set;
}

/* The set rows of RES go to: the last one while it is still open (no
 * status yet) and has the same shape, else a new one. */
static struct sql_set *sql_set_for_rows(struct sql *s, const PGresult *res)
{
    struct sql_result *r = s->res;
    struct sql_set *last = r->n_sets ? &r->sets[r->n_sets - 1] : NULL;

    if (last && last->has_rows && !last->status &&
        last->n_cols == (size_t)PQnfields(res))
        return last;
    return sql_set_new(s, res, 1);
}

static void sql_add_row(struct sql *s, const PGresult *res)
{
    struct sql_set *set = sql_set_for_rows(s, res);
    size_t need, c;

    if (s->capped || s->res->n_rows_total >= s->max_rows) {
        /* Over the cap: dropped; the statement is being cancelled. */
        if (!s->capped) {
            s->capped = 1;
            set->truncated = 1;
            log_msg("sql: %s:%d: row cap %zu reached, cancelling", s->host,
                    s->port, s->max_rows);
            sql_cancel_start(s);
        }
        return;
    }
    need = (set->n_rows + 1) * set->n_cols;
    if (need > s->cells_cap) {
        size_t cap = s->cells_cap ? s->cells_cap * 2 : 64 * set->n_cols;

        while (cap < need)
            cap *= 2;
        set->cells = x_reallocarray(set->cells, cap, sizeof *set->cells);
        s->cells_cap = cap;
    }
    for (c = 0; c < set->n_cols; c++) {
        char **cell = &set->cells[set->n_rows * set->n_cols + c];

        if (PQgetisnull(res, 0, (int)c))
            *cell = NULL;
        else
            *cell = x_strndup(PQgetvalue(res, 0, (int)c),
                              (size_t)PQgetlength(res, 0, (int)c));
    }
    set->n_rows++;
    s->res->n_rows_total++;
}

/* The end of a statement's results: its command tag. */
static void sql_set_end(struct sql *s, PGresult *res, int has_rows)
{
    struct sql_set *set;

    if (has_rows)
        set = sql_set_for_rows(s, res);
    else
        set = sql_set_new(s, res, 0);
    free(set->status);
    set->status = x_strdup(PQcmdStatus(res));
}

/* ---- notices ---- */

static void sql_notice(void *arg, const PGresult *res)
{
    struct sql *s = arg;
    struct sql_result *r = s->res;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    if (!r || r->n_notices >= SQL_MAX_NOTICES)
        return;
    r->notices =
        x_reallocarray(r->notices, r->n_notices + 1, sizeof *r->notices);
    r->notices[r->n_notices++] =
        x_asprintf("%s:  %s", sev ? sev : "NOTICE", msg ? msg : "");
}

/* ---- the connection ---- */

static void sql_emit(struct sql *s, enum sql_event ev)
{
    if (s->res)
        s->res->elapsed_ms =
            s->sent_ms > 0 ? loop_now_ms() - s->sent_ms : s->res->elapsed_ms;
    if (s->cb)
        s->cb(s, ev, s->arg);
}

/* Closes the connection and everything that hangs from it (no report). */
static void sql_drop_conn(struct sql *s)
{
    if (s->fd >= 0) {
        loop_del_fd(s->loop, s->fd);
        s->fd = -1;
    }
    if (s->connect_timer) {
        loop_timer_cancel(s->loop, s->connect_timer);
        s->connect_timer = 0;
    }
    if (s->batch_timer) {
        loop_timer_cancel(s->loop, s->batch_timer);
        s->batch_timer = 0;
    }
    db_free(s->canceller);
    s->canceller = NULL;
    if (s->conn) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    s->state = SQL_DISCONNECTED;
    s->want_write = 0;
}

static void sql_watch(struct sql *s)
{
    int fd = s->conn ? PQsocket(s->conn) : -1;
    int ev;

    if (s->fd >= 0 && s->fd != fd) {
        loop_del_fd(s->loop, s->fd);
        s->fd = -1;
    }
    if (fd < 0)
        return;
    if (s->state == SQL_CONNECTING)
        ev = s->want_write ? LOOP_WRITE : LOOP_READ;
    else if (s->state == SQL_BUSY)
        ev = LOOP_READ | (s->want_write ? LOOP_WRITE : 0);
    else
        ev = LOOP_READ;
    loop_add_fd(s->loop, fd, ev, sql_service, s);
    s->fd = fd;
}

/* The connection failed (connecting) or broke: report, and end the
 * statement that was waiting or running. */
static void sql_lost(struct sql *s, const char *why)
{
    int was = s->state, alive = 1;
    struct sql_result *r = s->res;
    char *msg;

    if (was == SQL_CONNECTING)
        msg =
            x_asprintf("could not connect to %s:%d: %s", s->host, s->port, why);
    else
        msg = x_asprintf("connection to %s:%d lost: %s", s->host, s->port, why);
    if (was == SQL_CONNECTING && s->conn)
        s->needs_password = PQconnectionNeedsPassword(s->conn) ? 1 : 0;
    free(s->conn_error);
    s->conn_error = msg;
    log_msg("sql: %s", msg);
    sql_drop_conn(s);
    s->alive = &alive;
    if (r && !r->done && (was == SQL_BUSY || s->pending)) {
        free(s->pending);
        s->pending = NULL;
        sql_error_free(r->error);
        r->error = sql_client_error(msg);
        r->lost = was == SQL_BUSY;
        r->done = 1;
        sql_emit(s, SQL_EV_FAILED);
        if (alive)
            sql_emit(s, SQL_EV_DONE);
    } else {
        sql_emit(s, SQL_EV_FAILED);
    }
    if (alive)
        s->alive = NULL;
}

static void sql_connect_timeout(struct loop *l, uint64_t id, void *arg)
{
    struct sql *s = arg;
    char what[64];

    (void)l;
    (void)id;
    s->connect_timer = 0;
    (void)snprintf(what, sizeof what, "timed out after %.1f s",
                   (double)s->connect_timeout_ms / 1000.0);
    sql_lost(s, what);
}

static void sql_connect_failed_later(struct loop *l, uint64_t id, void *arg)
{
    struct sql *s = arg;
    char *e;

    (void)l;
    (void)id;
    s->report_timer = 0;
    e = sql_pq_error(s->conn);
    sql_lost(s, *e ? e : "cannot start");
    free(e);
}

int sql_connect(struct sql *s)
{
    const char *keys[12], *vals[12];
    char port[16], timeout[32];
    struct buf opts = BUF_INIT;
    int n = 0;

    if (s->state != SQL_DISCONNECTED)
        return 0;
    (void)snprintf(port, sizeof port, "%d", s->port);
    (void)snprintf(timeout, sizeof timeout, "%lld",
                   (long long)((s->connect_timeout_ms + 999) / 1000));
    keys[n] = "host", vals[n++] = s->host;
    keys[n] = "port", vals[n++] = port;
    keys[n] = "user", vals[n++] = s->user;
    keys[n] = "dbname", vals[n++] = s->dbname;
    keys[n] = "application_name", vals[n++] = s->appname;
    keys[n] = "connect_timeout", vals[n++] = timeout;
    if (s->passfile)
        keys[n] = "passfile", vals[n++] = s->passfile;
    if (s->password)
        keys[n] = "password", vals[n++] = s->password;
    if (s->statement_timeout_ms > 0)
        buf_printf(&opts, "-c statement_timeout=%lld",
                   (long long)s->statement_timeout_ms);
    if (s->read_only)
        buf_printf(&opts, "%s-c default_transaction_read_only=on",
                   opts.len ? " " : "");
    if (opts.len)
        keys[n] = "options", vals[n++] = buf_str(&opts);
    keys[n] = NULL, vals[n] = NULL;

    s->needs_password = 0;
    s->version[0] = '\0';
    s->state = SQL_CONNECTING;
    s->conn = PQconnectStartParams(keys, vals, 0);
    buf_free(&opts);
    if (!s->conn || PQstatus(s->conn) == CONNECTION_BAD) {
        /* Reported from the loop, never from inside sql_connect(). */
        if (!s->report_timer)
            s->report_timer =
                loop_timer_add(s->loop, 0, sql_connect_failed_later, s);
        return 0;
    }
    PQsetNoticeReceiver(s->conn, sql_notice, s);
    s->connect_timer =
        loop_timer_add(s->loop, s->connect_timeout_ms, sql_connect_timeout, s);
    s->want_write = 1;
    sql_watch(s);
    log_msg("sql: connecting to %s:%d as %s%s", s->host, s->port, s->user,
            s->read_only ? " (read-only)" : "");
    return 0;
}

static void sql_connect_step(struct sql *s)
{
    PostgresPollingStatusType st = PQconnectPoll(s->conn);
    const char *v;
    char *e;

    switch (st) {
    case PGRES_POLLING_OK:
        if (PQsetnonblocking(s->conn, 1) != 0) {
            e = sql_pq_error(s->conn);
            sql_lost(s, e);
            free(e);
            return;
        }
        loop_timer_cancel(s->loop, s->connect_timer);
        s->connect_timer = 0;
        v = PQparameterStatus(s->conn, "server_version");
        (void)snprintf(s->version, sizeof s->version, "%s", v ? v : "");
        free(s->conn_error);
        s->conn_error = NULL;
        s->state = SQL_IDLE;
        s->want_write = 0;
        sql_watch(s);
        {
            int alive = 1;

            s->alive = &alive;
            sql_emit(s, SQL_EV_CONNECTED);
            if (!alive)
                return;
            s->alive = NULL;
        }
        if (s->pending && s->state == SQL_IDLE)
            sql_send(s);
        return;
    case PGRES_POLLING_READING:
        s->want_write = 0;
        sql_watch(s);
        return;
    case PGRES_POLLING_WRITING:
        s->want_write = 1;
        sql_watch(s);
        return;
    default:
        e = sql_pq_error(s->conn);
        sql_lost(s, *e ? e : "connection failed");
        free(e);
        return;
    }
}

/* Sends s->pending on the idle connection. */
static void sql_send(struct sql *s)
{
    char *text = s->pending;
    char *e;

    s->pending = NULL;
    s->capped = 0;
    s->cancels = 0;
    s->sent_ms = loop_now_ms();
    if (PQsendQuery(s->conn, text) != 1) {
        free(text);
        e = sql_pq_error(s->conn);
        s->state = SQL_BUSY; /* so that the statement ends as lost */
        sql_lost(s, *e ? e : "cannot send");
        free(e);
        return;
    }
    free(text);
    /* Rows one by one: the first arrive at once and memory stays bounded
     * by the cap. */
    (void)PQsetSingleRowMode(s->conn);
    s->state = SQL_BUSY;
    s->want_write = 1;
    sql_watch(s);
    sql_busy_step(s, 0);
}

int sql_run(struct sql *s, const char *text, char **cause)
{
    const char *p = text;

    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    if (!p || !*p) {
        *cause = x_strdup("nothing to run: the statement is empty");
        return -1;
    }
    if (s->state == SQL_BUSY || s->pending) {
        *cause = x_strdup("a statement is still running (C-c cancels it)");
        return -1;
    }
    sql_result_free(s->res);
    s->res = x_calloc(1, sizeof *s->res);
    s->res->max_rows = s->max_rows;
    s->res->text = x_strdup(text);
    s->sent_ms = loop_now_ms();
    s->pending = x_strdup(text);
    if (s->state == SQL_DISCONNECTED)
        return sql_connect(s);
    if (s->state == SQL_IDLE)
        sql_send(s);
    return 0;
}

/* ---- the running statement ---- */

static void sql_batch_due(struct loop *l, uint64_t id, void *arg)
{
    struct sql *s = arg;

    (void)l;
    (void)id;
    s->batch_timer = 0;
    if (s->state == SQL_BUSY)
        sql_busy_step(s, 0);
}

/* The statement ended: every result was read. */
static void sql_done(struct sql *s)
{
    struct sql_result *r = s->res;

    r->done = 1;
    if (s->capped && r->error && r->error->sqlstate &&
        strcmp(r->error->sqlstate, "57014") == 0 && !r->cancelled) {
        /* Our own cancel, for the cap: not an error of the statement. */
        sql_error_free(r->error);
        r->error = NULL;
    }
    db_free(s->canceller);
    s->canceller = NULL;
    s->state = SQL_IDLE;
    s->want_write = 0;
    sql_watch(s);
    sql_emit(s, SQL_EV_DONE);
}

static void sql_busy_step(struct sql *s, int readable)
{
    size_t rows = 0;
    char *e;

    if (s->want_write) {
        int f = PQflush(s->conn);

        if (f < 0) {
            e = sql_pq_error(s->conn);
            sql_lost(s, *e ? e : "cannot send");
            free(e);
            return;
        }
        s->want_write = f == 1;
        sql_watch(s);
    }
    if (readable && PQconsumeInput(s->conn) == 0) {
        e = sql_pq_error(s->conn);
        sql_lost(s, *e ? e : "the server closed the connection");
        free(e);
        return;
    }
    while (!PQisBusy(s->conn)) {
        PGresult *res;

        if (rows >= SQL_BATCH_ROWS) {
            /* The rest next turn: the UI draws what came so far. */
            if (!s->batch_timer)
                s->batch_timer = loop_timer_add(s->loop, 0, sql_batch_due, s);
            sql_emit(s, SQL_EV_ROWS);
            return;
        }
        res = PQgetResult(s->conn);
        if (!res) {
            sql_done(s);
            return;
        }
        switch (PQresultStatus(res)) {
        case PGRES_SINGLE_TUPLE:
            sql_add_row(s, res);
            rows++;
            break;
        case PGRES_TUPLES_OK:
            sql_set_end(s, res, 1);
            break;
        case PGRES_COMMAND_OK:
            sql_set_end(s, res, 0);
            break;
        case PGRES_EMPTY_QUERY:
            break;
        case PGRES_COPY_IN:
            (void)PQputCopyEnd(s->conn, "COPY FROM STDIN is not supported "
                                        "here: use psql");
            break;
        case PGRES_COPY_OUT:
        case PGRES_COPY_BOTH: {
            char *data = NULL;
            int got;

            /* Drained and dropped; the statement says why. */
            while ((got = PQgetCopyData(s->conn, &data, 1)) > 0)
                PQfreemem(data);
            if (!s->res->error)
                s->res->error =
                    sql_client_error("COPY TO STDOUT is not shown here: use "
                                     "psql (the data was discarded)");
            if (got == 0) {
                PQclear(res);
                sql_watch(s);
                return;
            }
            break;
        }
        default: /* FATAL_ERROR, BAD_RESPONSE, NONFATAL_ERROR */
            if (!s->res->error)
                s->res->error = sql_server_error(res);
            if (s->res->error->sqlstate &&
                strcmp(s->res->error->sqlstate, "57014") == 0 &&
                s->cancels > 0 && !s->capped)
                s->res->cancelled = 1;
            break;
        }
        PQclear(res);
    }
    if (rows > 0)
        sql_emit(s, SQL_EV_ROWS);
}

static void sql_service(struct loop *l, int fd, int events, void *arg)
{
    struct sql *s = arg;
    char *e;

    (void)l;
    (void)fd;
    if (!s->conn)
        return;
    switch (s->state) {
    case SQL_CONNECTING:
        sql_connect_step(s);
        return;
    case SQL_BUSY:
        sql_busy_step(s, (events & (LOOP_READ | LOOP_ERROR)) != 0);
        return;
    case SQL_IDLE:
        /* Nothing asked: a notice, or the server going away. */
        if (PQconsumeInput(s->conn) == 0 ||
            PQstatus(s->conn) == CONNECTION_BAD) {
            e = sql_pq_error(s->conn);
            sql_lost(s, *e ? e : "the server closed the connection");
            free(e);
        }
        return;
    case SQL_DISCONNECTED:
        return;
    }
}

/* ---- cancel ---- */

static void sql_cancel_answer(struct db_conn *c, const struct db_result *r,
                              const char *error, void *arg)
{
    struct sql *s = arg;

    (void)r;
    if (error)
        log_msg("sql: cancel request failed: %s", error);
    if (s->canceller == c) {
        s->canceller = NULL;
        db_free(c);
    }
}

static void sql_cancel_state(struct db_conn *c, enum db_state st, void *arg)
{
    struct sql *s = arg;
    char *q;

    if (st == DB_IDLE && s->conn) {
        q = x_asprintf("SELECT pg_cancel_backend(%d)", PQbackendPID(s->conn));
        if (db_query(c, q, sql_cancel_answer, s) != 0)
            log_msg("sql: cannot send the cancel request");
        free(q);
        return;
    }
    if (st == DB_FAILED) {
        log_msg("sql: cancel connection failed: %s", db_error(c));
        if (s->res && s->res->n_notices < SQL_MAX_NOTICES) {
            s->res->notices = x_reallocarray(
                s->res->notices, s->res->n_notices + 1, sizeof(char *));
            s->res->notices[s->res->n_notices++] =
                x_asprintf("pgdeck: the cancel request failed: %s "
                           "(C-c again drops the connection)",
                           db_error(c));
        }
        if (s->canceller == c) {
            s->canceller = NULL;
            db_free(c);
        }
    }
}

/* Opens the second connection that cancels the running statement. */
static void sql_cancel_start(struct sql *s)
{
    struct db_params p;

    if (s->canceller || !s->conn)
        return;
    memset(&p, 0, sizeof p);
    p.host = s->host;
    p.port = s->port;
    p.user = s->user;
    p.dbname = s->dbname;
    p.passfile = s->passfile;
    p.password = s->password;
    p.application_name = "pgdeck-cancel";
    p.connect_timeout_ms = s->connect_timeout_ms;
    p.statement_timeout_ms = 5000;
    s->canceller = db_open(s->loop, &p, sql_cancel_state, s);
}

static void sql_report_drop(struct loop *l, uint64_t id, void *arg)
{
    struct sql *s = arg;

    (void)l;
    (void)id;
    s->report_timer = 0;
    if (s->state == SQL_BUSY)
        sql_lost(s, "dropped on request (a second cancel)");
}

static void sql_report_done(struct loop *l, uint64_t id, void *arg)
{
    struct sql *s = arg;

    (void)l;
    (void)id;
    s->report_timer = 0;
    sql_emit(s, SQL_EV_DONE);
}

int sql_cancel(struct sql *s)
{
    if (s->state != SQL_BUSY && !(s->state == SQL_CONNECTING && s->pending))
        return -1;
    if (s->state == SQL_CONNECTING) {
        /* Not sent yet: forget it. */
        free(s->pending);
        s->pending = NULL;
        s->res->cancelled = 1;
        s->res->done = 1;
        s->res->error = sql_client_error("cancelled before it was sent");
        if (!s->report_timer)
            s->report_timer = loop_timer_add(s->loop, 0, sql_report_done, s);
        return 0;
    }
    s->cancels++;
    if (s->cancels == 1) {
        log_msg("sql: cancelling the statement on %s:%d", s->host, s->port);
        sql_cancel_start(s);
        return 0;
    }
    /* The second time: the server did not end it; drop the connection
     * (reported from the loop). */
    if (!s->report_timer)
        s->report_timer = loop_timer_add(s->loop, 0, sql_report_drop, s);
    return 0;
}
