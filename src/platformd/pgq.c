/*
 * pgq: blocking libpq helpers for the runtime.
 *
 * The daemon's worker threads may block (runtime.h's threading contract), so
 * plain PQconnectdbParams/PQexec with a connect_timeout are used here; the
 * console never links this file.  Passwords go in the connection parameters
 * (memory), never in a conninfo string that could be logged, and role
 * passwords are hashed client-side before they reach the server.
 */
#include "config.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

struct pg_conn {
    PGconn *conn;
};

static struct pg_conn *pgq_open(const char *const *keys,
                                const char *const *vals, char **cause);
static char *pgq_errmsg(PGconn *conn);

static char *pgq_errmsg(PGconn *conn)
{
    const char *msg = PQerrorMessage(conn);
    size_t len = strlen(msg);

    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    return x_strndup(msg, len);
}

static struct pg_conn *pgq_open(const char *const *keys,
                                const char *const *vals, char **cause)
{
    PGconn *conn = PQconnectdbParams(keys, vals, 0);
    struct pg_conn *c;

    if (!conn) {
        if (cause)
            *cause = x_strdup("out of memory in libpq");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        if (cause)
            *cause = pgq_errmsg(conn);
        PQfinish(conn);
        return NULL;
    }
    c = x_calloc(1, sizeof *c);
    c->conn = conn;
    return c;
}

struct pg_conn *pgq_local(const struct rt_machine *m, const char *dbname,
                          char **cause)
{
    char port[16];
    const char *keys[] = {
        "host", "port", "user", "dbname", "connect_timeout", "application_name",
        NULL};
    const char *vals[7];

    snprintf(port, sizeof port, "%d", RT_PG_PORT);
    vals[0] = m->run_dir;
    vals[1] = port;
    vals[2] = "postgres";
    vals[3] = dbname ? dbname : "postgres";
    vals[4] = "3";
    vals[5] = "pgdeck-platformd";
    vals[6] = NULL;
    return pgq_open(keys, vals, cause);
}

struct pg_conn *pgq_remote(const char *host, const char *dbname,
                           const char *password, int timeout_s, char **cause)
{
    return pgq_remote_as(host, "repmgr", dbname, password, timeout_s, cause);
}

struct pg_conn *pgq_remote_as(const char *host, const char *user,
                              const char *dbname, const char *password,
                              int timeout_s, char **cause)
{
    char port[16], tmo[16];
    const char *keys[] = {"host",
                          "port",
                          "user",
                          "dbname",
                          "password",
                          "connect_timeout",
                          "application_name",
                          NULL};
    const char *vals[8];

    snprintf(port, sizeof port, "%d", RT_PG_PORT);
    snprintf(tmo, sizeof tmo, "%d", timeout_s > 0 ? timeout_s : 2);
    vals[0] = host;
    vals[1] = port;
    vals[2] = user;
    vals[3] = dbname ? dbname : "postgres";
    vals[4] = password ? password : "";
    vals[5] = tmo;
    vals[6] = "pgdeck-platformd";
    vals[7] = NULL;
    return pgq_open(keys, vals, cause);
}

void pgq_close(struct pg_conn *c)
{
    if (!c)
        return;
    PQfinish(c->conn);
    free(c);
}

int pgq_exec(struct pg_conn *c, const char *sql, char **cause)
{
    PGresult *r = PQexec(c->conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (cause)
            *cause = pgq_errmsg(c->conn);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

char *pgq_value(struct pg_conn *c, const char *sql, char **cause)
{
    PGresult *r = PQexec(c->conn, sql);
    char *v;

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        if (cause)
            *cause = pgq_errmsg(c->conn);
        PQclear(r);
        return NULL;
    }
    if (PQntuples(r) < 1 || PQnfields(r) < 1 || PQgetisnull(r, 0, 0)) {
        if (cause)
            *cause = x_strdup("no value");
        PQclear(r);
        return NULL;
    }
    v = x_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

int pgq_set_password(struct pg_conn *c, const char *role, const char *password,
                     char **cause)
{
    char *hash =
        PQencryptPasswordConn(c->conn, password, role, "scram-sha-256");
    char *lit, *id, *sql;
    int rc;

    if (!hash) {
        if (cause)
            *cause = pgq_errmsg(c->conn);
        return -1;
    }
    lit = pgq_literal(c, hash);
    id = pgq_ident(c, role);
    PQfreemem(hash);
    sql = x_asprintf("ALTER ROLE %s PASSWORD %s", id, lit);
    rc = pgq_exec(c, sql, cause);
    free(sql);
    free(lit);
    free(id);
    return rc;
}

char *pgq_literal(struct pg_conn *c, const char *s)
{
    char *e = PQescapeLiteral(c->conn, s, strlen(s));
    char *r;

    if (!e)
        return x_strdup("''");
    r = x_strdup(e);
    PQfreemem(e);
    return r;
}

char *pgq_ident(struct pg_conn *c, const char *s)
{
    char *e = PQescapeIdentifier(c->conn, s, strlen(s));
    char *r;

    if (!e)
        return x_strdup("\"\"");
    r = x_strdup(e);
    PQfreemem(e);
    return r;
}
