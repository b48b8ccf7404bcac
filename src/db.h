/*
 * db: one PostgreSQL connection as an explicit state machine on the loop.
 *
 * The libpq adapter: nothing of libpq (PGconn, PGresult, ExecStatusType)
 * leaves db.c.  A connection is started with PQconnectStartParams() and
 * advanced with PQconnectPoll(); a query is sent with PQsendQuery() in
 * non-blocking mode, flushed with PQflush() and collected with
 * PQconsumeInput() / PQisBusy() / PQgetResult().  There is no PQexec and no
 * PQconnectdb.  Only the loop callbacks of db.c (db_service) advance the
 * state, so nothing ever blocks: the socket is (re-)registered in the loop
 * after every step with the direction libpq asks for.
 *
 *   DB_CONNECTING --ok--> DB_IDLE --db_query--> DB_BUSY --results--> DB_IDLE
 *        |                                        |
 *        +--error/timeout--> DB_FAILED <----------+ (error, timeout, EOF)
 *
 * libpq ignores connect_timeout with PQconnectPoll, so the timeouts are
 * loop timers: PARAMS.connect_timeout_ms bounds the connect, and a query
 * is abandoned (the connection fails) statement_timeout + 2 s after it was
 * sent, in case the server never answers.  statement_timeout itself is set
 * on the server through the "options" parameter.
 *
 * Callbacks run from the loop, never from inside db_open()/db_query().  A
 * failed connection stays DB_FAILED (reason in db_error()) until freed:
 * the owner opens a new one to retry.
 *
 * Collaborators: loop (fds, timers), probe (the only user for now), log
 * (host and the state changes; never passwords).
 */
#ifndef PGDECK_SRC_DB_H
#define PGDECK_SRC_DB_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct db_conn;
struct db_result;

enum db_state { DB_CONNECTING, DB_IDLE, DB_BUSY, DB_FAILED };

/* Connection parameters; strings are copied by db_open(). */
struct db_params {
    const char *host; /* an IP address or name */
    int port;         /* 5433 on Fly machines */
    const char *user;
    const char *dbname;
    const char *passfile;         /* NULL: libpq's default */
    const char *password;         /* NULL: from the passfile */
    const char *application_name; /* NULL: "pgdeck" */
    int64_t connect_timeout_ms;   /* 0: 3000 */
    int64_t statement_timeout_ms; /* 0: none set */
};

/* The connection reached DB_IDLE (the first time) or DB_FAILED. */
typedef void (*db_state_cb)(struct db_conn *c, enum db_state state, void *arg);
/* A query finished.  R is borrowed for the call; on failure R is NULL and
 * ERROR (borrowed) says why; the connection is then DB_FAILED when the
 * failure was the connection's, or DB_IDLE when only the SQL failed. */
typedef void (*db_query_cb)(struct db_conn *c, const struct db_result *r,
                            const char *error, void *arg);

/* Starts a connection to P on L.  Never NULL: a connection that cannot
 * even start is DB_FAILED and CB reports it from the loop.  Owned by the
 * caller: db_free(). */
struct db_conn *db_open(struct loop *l, const struct db_params *p,
                        db_state_cb cb, void *arg);
/* Closes the connection (no callback runs afterwards), unregisters its
 * socket, cancels its timers.  NULL is fine; safe inside its callbacks. */
void db_free(struct db_conn *c);

enum db_state db_state(const struct db_conn *c);
/* Why the connection failed (borrowed), "" otherwise. */
const char *db_error(const struct db_conn *c);

/* Sends SQL (one or more statements; every result set is kept) on an
 * idle connection; CB runs once with the results.  Returns 0, or -1 when
 * the connection is not DB_IDLE or the send failed (then DB_FAILED and
 * the state callback is called from the loop). */
int db_query(struct db_conn *c, const char *sql, db_query_cb cb, void *arg);

/* Result sets of a query (one per statement that returned rows or
 * succeeded).  Accessors on R; SET, ROW and COL out of range give 0/NULL. */
size_t db_result_sets(const struct db_result *r);
int db_result_rows(const struct db_result *r, size_t set);
int db_result_cols(const struct db_result *r, size_t set);
/* The column called NAME in SET, or -1. */
int db_result_col(const struct db_result *r, size_t set, const char *name);
/* The text of a value (borrowed), or NULL for SQL NULL. */
const char *db_result_value(const struct db_result *r, size_t set, int row,
                            int col);

#endif
