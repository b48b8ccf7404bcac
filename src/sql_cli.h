/*
 * sql_cli: `pgdeck sql CLUSTER [--node ID] [-c SQL] [--json]`.
 *
 * Refreshes the model of CLUSTER once (machines and SQL probes) to find
 * the target: the SQL primary, or the node --node names.  With -c the text
 * runs through a struct sql (sql.h) on the loop and the results print as
 * psql aligns them (or --json); an SQL error prints on stderr with its
 * SQLSTATE ("ERROR 42P01: ...", then LINE, DETAIL, HINT) and exits 1.
 * Without -c, runs the real psql on the target (sql_psql_run) and exits
 * with its status.
 *
 * Credentials come from the context (sql_target_from); when the server
 * wants a password that the context does not give, it is asked once on the
 * tty without echo (never from argv, never stored).
 *
 * Exit codes: 0 success, 1 SQL or connection error, 2 usage, 3 the target
 * cannot be chosen (no primary, unknown node: the reason printed), 4
 * platform unreachable.
 *
 * Collaborators: cli, settings, context, loop, http, machines, fleet, sql,
 * main (dispatch).
 */
#ifndef PGDECK_SRC_SQL_CLI_H
#define PGDECK_SRC_SQL_CLI_H

#include <stdio.h>

struct cli;
struct context;
struct settings;
struct sql_target;

/* Runs `pgdeck sql` as CLI says.  Returns the exit code. */
int sql_cli_run(const struct cli *cli, const struct settings *s,
                const struct context *ctx, FILE *in, FILE *out, FILE *err);

/*
 * Runs the real psql on T, waiting for it (the one blocking moment allowed
 * besides reading the config): the connection is given through the
 * environment of the child only (PGHOST, PGPORT, PGUSER, PGDATABASE,
 * PGPASSFILE or PGPASSWORD, PGAPPNAME, PGOPTIONS for statement_timeout and
 * read-only), never argv.  PSQL: the program (NULL: $PGDECK_PSQL, else
 * "psql" in PATH).  Returns psql's exit status, 127 when it could not be
 * run (with *cause set), or -1 with *cause set when fork failed.
 */
int sql_psql_run(const struct sql_target *t, const char *psql, char **cause);

#endif
