/*
 * sql: an interactive SQL session on the loop, for the SQL pane (ui/sqlpane)
 * and `pgdeck sql -c` (sql_cli.h).
 *
 * One struct sql is one connection to one node, driven only from loop
 * callbacks (nothing blocks: PQconnectStartParams/PQconnectPoll,
 * PQsendQuery in non-blocking mode, PQsetSingleRowMode, PQconsumeInput /
 * PQisBusy / PQgetResult; no PQexec, no PQcancel, which blocks).  libpq
 * types never leave sql.c.
 *
 *   SQL_DISCONNECTED --sql_run--> SQL_CONNECTING --> SQL_BUSY --> SQL_IDLE
 *          ^                           |               |  ^          |
 *          +----- failed / lost -------+---------------+  +--sql_run-+
 *
 * A statement sent while disconnected connects first (so a lost connection
 * is re-established by the next statement).  Rows arrive in single-row mode
 * and are copied into the result in batches: at most SQL_BATCH_ROWS rows are
 * taken per loop turn (the rest on the next turn), so a large result never
 * stalls the UI.  At most MAX_ROWS rows are kept over all result sets of a
 * statement: when the cap is hit the statement is cancelled, the rest is
 * discarded, and the set says `truncated` (the cap is reported, never a
 * silent cut).
 *
 * Cancel (sql_cancel) is asynchronous too: a second short connection runs
 * pg_cancel_backend() of the session's backend; the statement then ends
 * with SQLSTATE 57014 and the session stays open.  A second sql_cancel()
 * while the first is under way (or when the server does not answer) drops
 * the connection: the statement ends as lost and the next one reconnects.
 *
 * The session sets application_name, statement_timeout (0: none) and, for
 * a read-only target, default_transaction_read_only=on through the
 * connection's "options", so the server enforces both.
 *
 * Passwords are never logged, never put in a message, and wiped when the
 * session is freed.
 *
 * Collaborators: loop (fds, timers), context/settings (sql_target_from),
 * ui/sqlpane and sql_cli (the users), sql_text / sql_fmt / sql_history
 * (pure helpers below).
 */
#ifndef PGDECK_SRC_SQL_H
#define PGDECK_SRC_SQL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct context;
struct loop;
struct settings;
struct sql;

/* Rows copied into the result per loop turn. */
#define SQL_BATCH_ROWS 500

/* Where and how to connect.  Strings are copied by sql_new(). */
struct sql_target {
    const char *host;             /* the node's private_ip */
    int port;                     /* 0: 5433 */
    const char *user;             /* NULL: "postgres" */
    const char *dbname;           /* NULL: "postgres" */
    const char *passfile;         /* NULL: libpq's default */
    const char *password;         /* NULL: passfile / libpq */
    const char *application_name; /* NULL: "pgdeck-sql" */
    int64_t connect_timeout_ms;   /* 0: 3000 */
    int64_t statement_timeout_ms; /* 0: none */
    int read_only;                /* default_transaction_read_only=on */
};

/* The target for HOST in context CTX with settings S (sql.statement_timeout,
 * postgres.connect_timeout, read-only from the context or the settings):
 * user, passfile or password variable of the context.  Strings are
 * borrowed from CTX, S and the environment. */
void sql_target_from(struct sql_target *t, const struct context *ctx,
                     const struct settings *s, const char *host);

enum sql_state {
    SQL_DISCONNECTED, /* never connected, failed, or lost */
    SQL_CONNECTING,
    SQL_IDLE,
    SQL_BUSY /* a statement runs (or is being cancelled) */
};

/* An error, from the server (with SQLSTATE) or from the client (the
 * connection failed or was lost: sqlstate NULL). */
struct sql_error {
    char *severity; /* "ERROR", "FATAL", ...; NULL for client errors */
    char *sqlstate; /* "42P01"; NULL for client errors */
    char *message;  /* never NULL */
    char *detail, *hint, *context; /* NULL when absent */
    int position; /* 1-based character (not byte) in the statement; 0 */
};

struct sql_column {
    char *name;
    unsigned type_oid;
    int numeric; /* int2/4/8, oid, float4/8, numeric: right-aligned */
    int boolean;
};

/* One result set: one per statement of the text that returned rows or
 * completed (a multi-statement text gives several). */
struct sql_set {
    struct sql_column *cols;
    size_t n_cols;
    char **cells; /* n_rows * n_cols, row-major; NULL is SQL NULL */
    size_t n_rows;
    int has_rows;  /* the statement returned a row description (SELECT,
                      ... RETURNING): print a grid, else only the status */
    int truncated; /* the row cap was hit in this set */
    char *status;  /* the command tag: "SELECT 3", "INSERT 0 1"; NULL while
                      rows still arrive */
};

/* What one sql_run() produced so far (filled while SQL_BUSY). */
struct sql_result {
    struct sql_set *sets;
    size_t n_sets;
    size_t n_rows_total;     /* over every set, <= the cap */
    size_t max_rows;         /* the cap in force */
    struct sql_error *error; /* NULL: no error (yet) */
    char **notices;          /* "NOTICE:  text" lines, in order */
    size_t n_notices;
    int done;           /* the statement ended (success or error) */
    int cancelled;      /* ended by sql_cancel() */
    int lost;           /* the connection was lost (error says why) */
    int64_t elapsed_ms; /* send to end (to now while running) */
    char *text;         /* the statement as sent */
};

/* What happened.  SQL_EV_ROWS: more rows arrived (a batch); the result is
 * readable.  SQL_EV_DONE: the statement ended (result->done).
 * SQL_EV_CONNECTED / SQL_EV_FAILED: the connection was made / failed
 * (sql_conn_error says why) or was lost while idle. */
enum sql_event { SQL_EV_CONNECTED, SQL_EV_FAILED, SQL_EV_ROWS, SQL_EV_DONE };
typedef void (*sql_cb)(struct sql *s, enum sql_event ev, void *arg);

/* A session to T on L keeping at most MAX_ROWS rows (0: 10000) per
 * statement.  Nothing connects until sql_connect() or sql_run().  CB runs
 * only from loop callbacks.  Owned: sql_free(). */
struct sql *sql_new(struct loop *l, const struct sql_target *t, size_t max_rows,
                    sql_cb cb, void *arg);
/* Closes the connection (no callback afterwards), wipes the password.
 * NULL is fine; safe inside the callback. */
void sql_free(struct sql *s);

/* Starts connecting when SQL_DISCONNECTED (else nothing).  Returns 0. */
int sql_connect(struct sql *s);
/* Sends TEXT (one or more statements; copied).  Connects first when
 * disconnected.  The previous result is replaced.  Returns 0, or -1 with
 * *cause set when a statement is already running or TEXT is blank. */
int sql_run(struct sql *s, const char *text, char **cause);
/* Asks the server to cancel the running statement (see above); a second
 * call drops the connection.  Returns 0, or -1 when nothing runs. */
int sql_cancel(struct sql *s);

enum sql_state sql_state(const struct sql *s);
/* The result of the last sql_run() (borrowed, valid until the next
 * sql_run or sql_free), or NULL before the first. */
const struct sql_result *sql_result(const struct sql *s);
/* Why the connection failed or was lost (borrowed), "" when it did not. */
const char *sql_conn_error(const struct sql *s);
/* Whether the last connection failed because the server wants a password
 * and none was given: the caller may ask for one (sql_set_password). */
int sql_needs_password(const struct sql *s);
/* Sets the password for the next connection (copied; wiped later). */
void sql_set_password(struct sql *s, const char *password);
/* The server's version ("15.8"), "" before connecting; borrowed. */
const char *sql_server_version(const struct sql *s);
/* Whether the session is read-only (target's read_only). */
int sql_read_only(const struct sql *s);

/* ---- sql_text.c: pure helpers ---- */

/* Whether TEXT is a complete statement for Enter to run: its last token is
 * a ';' outside quotes ('...', "...", $tag$...$tag$, E'...') and comments
 * (-- and nested block comments). */
int sql_text_complete(const char *text);
/* Whether TEXT holds a secret literal and must not go to the history: the
 * keyword PASSWORD followed by a string literal (CREATE/ALTER ROLE ...
 * PASSWORD '...', OPTIONS (password '...')), case-insensitive, outside
 * comments and quoted identifiers. */
int sql_text_secret(const char *text);
/* The 0-based byte offset in TEXT of the 1-based character POSITION, or
 * -1 when it is outside TEXT. */
long sql_text_byte_at(const char *text, int position);

/* ---- sql_fmt.c: output as psql prints it ---- */

/* Appends SET aligned as psql does: the header centered, numeric columns
 * right-aligned, "|" between columns, "---+---" under the header, the
 * footer "(N rows)" / "(1 row)"; a set without rows only its status.
 * NULL prints as NULL_TEXT ("" like psql by default). Widths are display
 * widths (UTF-8). */
void sql_fmt_aligned(const struct sql_set *set, const char *null_text,
                     struct buf *out);
/* Appends every set of R as one JSON array per set with rows (objects
 * keyed by column name; numbers for numeric columns, true/false for
 * booleans, null for NULL, strings otherwise), one per line. */
void sql_fmt_json(const struct sql_result *r, struct buf *out);
/* Appends E as pgdeck prints errors:
 *   ERROR 42P01: relation "x" does not exist
 *   LINE 1: select * from x
 *                         ^
 *   DETAIL: ...
 *   HINT: ...
 * (LINE only when E has a position inside TEXT; TEXT may be NULL). */
void sql_fmt_error(const struct sql_error *e, const char *text,
                   struct buf *out);

/* ---- sql_history.c: per-context history ---- */

struct sql_history;

/* The history of context CONTEXT kept in PATH (NULL: the default
 * $XDG_STATE_HOME/pgdeck/sql_history), at most MAX entries (0: 1000).
 * Loading a missing file is not an error; a file readable by group or
 * others is refused (*cause).  Returns NULL with *cause set on error. */
struct sql_history *sql_history_open(const char *path, const char *context,
                                     size_t max, char **cause);
void sql_history_free(struct sql_history *h);
/* Adds TEXT (multi-line allowed) as the newest entry and appends it to
 * the file (0600; other contexts' entries are kept).  TEXT holding a
 * secret (sql_text_secret) or blank, or equal to the newest entry, is not
 * added.  Returns 1 added, 0 not added (secret/blank/duplicate), -1 with
 * *cause when the file could not be written (the entry is still kept in
 * memory). */
int sql_history_add(struct sql_history *h, const char *text, char **cause);
size_t sql_history_count(const struct sql_history *h);
/* Entry I, 0 the oldest (borrowed), or NULL. */
const char *sql_history_at(const struct sql_history *h, size_t i);

#endif
