#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/settings.h"
#include "src/sql.h"
#include "src/sql_cli.h"
#include "src/xmalloc.h"

/*
 * sql_cli: `pgdeck sql` (sql_cli.h).  One refresh of the cluster finds the
 * target; -c runs on a struct sql on the loop until the statement ends;
 * without -c psql runs on the same target.
 */

#define SQL_CLI_REFRESH_DEADLINE_MS 30000

struct sql_cli {
    const struct cli *cli;
    FILE *in, *out, *err;
    struct loop *loop;
    struct sql *sql;
    int done;
    int interrupted;
};

/* The target node of CLI in the model of F: --node, else the SQL primary.
 * Returns the node, or NULL with *cause set. */
static const struct fleet_node *
sql_cli_node(const struct fleet *f, const struct cli *cli, char **cause)
{
    const struct fleet_model *m = fleet_model(f);
    const struct fleet_cluster *c = fleet_model_cluster(m, cli->cluster);
    const struct fleet_node *n = NULL;
    struct buf ids = BUF_INIT;
    size_t i;

    if (!c && fleet_model_unknown(m, cli->cluster)) {
        *cause = x_asprintf("%s: its machines could not be listed, so "
                            "whether it is a Postgres cluster is not "
                            "known: %s",
                            cli->cluster, fleet_model_unknown(m, cli->cluster));
        return NULL;
    }
    if (!c) {
        *cause =
            x_asprintf("no cluster called %s in this context", cli->cluster);
        return NULL;
    }
    for (i = 0; i < c->n_nodes; i++)
        buf_printf(&ids, "%s%s (%s)", i ? ", " : "", c->nodes[i].id,
                   fleet_role_name(c->nodes[i].role));
    if (cli->node) {
        n = fleet_cluster_node(c, cli->node);
        if (!n)
            *cause =
                x_asprintf("%s has no node %s; its nodes: %s", cli->cluster,
                           cli->node, ids.len ? buf_str(&ids) : "none");
    } else {
        n = fleet_cluster_primary_node(c);
        if (!n)
            *cause = x_asprintf("%s has no primary that answers SQL now "
                                "(nodes: %s); choose one with --node",
                                cli->cluster, ids.len ? buf_str(&ids) : "none");
    }
    if (n && (!n->private_ip || !*n->private_ip)) {
        *cause = x_asprintf("node %s has no private IP address (is it "
                            "started?)",
                            n->id);
        n = NULL;
    }
    buf_free(&ids);
    return n;
}

static void sql_cli_event(struct sql *s, enum sql_event ev, void *arg)
{
    struct sql_cli *sc = arg;

    (void)s;
    if (ev == SQL_EV_DONE) {
        sc->done = 1;
        loop_stop(sc->loop);
    } else if (ev == SQL_EV_FAILED && sql_state(s) == SQL_DISCONNECTED &&
               !sql_result(s)) {
        sc->done = 1;
        loop_stop(sc->loop);
    }
}

static void sql_cli_signal(struct loop *l, int signo, void *arg)
{
    struct sql_cli *sc = arg;

    (void)l;
    (void)signo;
    sc->interrupted++;
    if (sc->sql && sql_cancel(sc->sql) == 0)
        fprintf(sc->err, "pgdeck: cancel requested%s\n",
                sc->interrupted > 1 ? " again: dropping the connection" : "");
}

/* Reads a password from the terminal IN without echo; owned (wipe it), or
 * NULL. */
static char *sql_cli_password(FILE *in, FILE *err, const char *user)
{
    struct termios old, quiet;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int fd = fileno(in);

    if (!isatty(fd) || tcgetattr(fd, &old) != 0)
        return NULL;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fprintf(err, "Password for user %s: ", user);
    fflush(err);
    (void)tcsetattr(fd, TCSAFLUSH, &quiet);
    n = getline(&line, &cap, in);
    (void)tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', err);
    if (n <= 0) {
        free(line);
        return NULL;
    }
    if (line[n - 1] == '\n')
        line[n - 1] = '\0';
    return line;
}

/* Prints R as psql -c does (or JSON); returns the exit code. */
static int sql_cli_print(struct sql_cli *sc, const struct sql_result *r)
{
    struct buf b = BUF_INIT;
    size_t i;
    int truncated = 0;

    for (i = 0; i < r->n_notices; i++)
        fprintf(sc->err, "%s\n", r->notices[i]);
    if (sc->cli->json)
        sql_fmt_json(r, &b);
    for (i = 0; i < r->n_sets; i++) {
        if (!sc->cli->json)
            sql_fmt_aligned(&r->sets[i], NULL, &b);
        truncated |= r->sets[i].truncated;
    }
    fputs(buf_str(&b), sc->out);
    buf_free(&b);
    if (truncated)
        fprintf(sc->err,
                "pgdeck: the result was cut at %zu rows (sql.max_rows); the "
                "rest was not fetched\n",
                r->max_rows);
    if (r->error) {
        sql_fmt_error(r->error, r->text, &b);
        fputs(buf_str(&b), sc->err);
        buf_free(&b);
        return CLI_EXIT_FAILED;
    }
    return fflush(sc->out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* Runs cli->sql on T.  Returns the exit code. */
static int sql_cli_command(struct sql_cli *sc, const struct sql_target *t,
                           const struct settings *s)
{
    const struct sql_result *r;
    char *cause = NULL, *why = NULL;
    int asked = 0, rc;

    sc->sql =
        sql_new(sc->loop, t, (size_t)settings_num(s, SETTINGS_SQL_MAX_ROWS),
                sql_cli_event, sc);
    for (;;) {
        sc->done = 0;
        if (sql_run(sc->sql, sc->cli->sql, &cause) != 0) {
            fprintf(sc->err, "pgdeck: sql: %s\n", cause);
            free(cause);
            return CLI_EXIT_USAGE;
        }
        while (!sc->done) {
            if (loop_run(sc->loop, &why) != 0) {
                fprintf(sc->err, "pgdeck: the event loop failed: %s\n", why);
                free(why);
                return CLI_EXIT_FAILED;
            }
        }
        r = sql_result(sc->sql);
        if (r && r->error && !r->error->sqlstate &&
            sql_needs_password(sc->sql) && !asked) {
            char *pw = sql_cli_password(sc->in, sc->err, t->user);

            asked = 1;
            if (pw) {
                sql_set_password(sc->sql, pw);
                x_wipe(pw, strlen(pw));
                free(pw);
                continue;
            }
        }
        break;
    }
    if (!r) {
        fprintf(sc->err, "pgdeck: sql: %s\n", sql_conn_error(sc->sql));
        return CLI_EXIT_FAILED;
    }
    rc = sql_cli_print(sc, r);
    if (r->error && !r->error->sqlstate && sql_needs_password(sc->sql))
        fprintf(sc->err, "pgdeck: the server wants a password: set "
                         "pg_passfile or pg_password_env in the context, "
                         "or run on a terminal to be asked\n");
    return rc;
}

int sql_psql_run(const struct sql_target *t, const char *psql, char **cause)
{
    const char *prog = psql ? psql : getenv("PGDECK_PSQL");
    struct buf opts = BUF_INIT;
    char port[16];
    pid_t pid;
    int status;

    if (!prog || !*prog)
        prog = "psql";
    (void)snprintf(port, sizeof port, "%d", t->port > 0 ? t->port : 5433);
    if (t->statement_timeout_ms > 0)
        buf_printf(&opts, "-c statement_timeout=%lld",
                   (long long)t->statement_timeout_ms);
    if (t->read_only)
        buf_printf(&opts, "%s-c default_transaction_read_only=on",
                   opts.len ? " " : "");
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        *cause = x_asprintf("cannot start %s: %s", prog, strerror(errno));
        buf_free(&opts);
        return -1;
    }
    if (pid == 0) {
        /* The child: the connection through its environment only. */
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        setenv("PGHOST", t->host ? t->host : "", 1);
        setenv("PGPORT", port, 1);
        setenv("PGUSER", t->user ? t->user : "postgres", 1);
        setenv("PGDATABASE", t->dbname ? t->dbname : "postgres", 1);
        setenv("PGAPPNAME",
               t->application_name ? t->application_name : "pgdeck-psql", 1);
        if (t->passfile)
            setenv("PGPASSFILE", t->passfile, 1);
        if (t->password)
            setenv("PGPASSWORD", t->password, 1);
        else
            unsetenv("PGPASSWORD");
        if (opts.len)
            setenv("PGOPTIONS", buf_str(&opts), 1);
        else
            unsetenv("PGOPTIONS");
        execlp(prog, prog, (char *)NULL);
        fprintf(stderr, "pgdeck: cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    buf_free(&opts);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            *cause = x_asprintf("waiting for %s: %s", prog, strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 127)
            *cause = x_asprintf("%s could not be run (is it installed? "
                                "PGDECK_PSQL names another program)",
                                prog);
        return WEXITSTATUS(status);
    }
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int sql_cli_run(const struct cli *cli, const struct settings *s,
                const struct context *ctx, FILE *in, FILE *out, FILE *err)
{
    struct sql_cli sc;
    struct http *http = NULL;
    struct machines *api = NULL;
    struct fleet *fleet = NULL;
    const struct fleet_node *n;
    struct sql_target t;
    char *cause = NULL, *host = NULL;
    int rc;

    (void)setlocale(LC_CTYPE, "");
    memset(&sc, 0, sizeof sc);
    sc.cli = cli;
    sc.in = in;
    sc.out = out;
    sc.err = err;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: cannot initialize libcurl\n");
        return CLI_EXIT_FAILED;
    }
    sc.loop = loop_new();
    if (http_new_context(sc.loop, ctx, s, &http, &cause) != 0) {
        fprintf(err, "pgdeck: sql: context %s: %s\n", ctx->name, cause);
        free(cause);
        rc = CLI_EXIT_UNREACHABLE;
        goto out;
    }
    api = machines_new(http);
    rc = fleet_refresh_once(sc.loop, api, ctx, s, cli->cluster,
                            SQL_CLI_REFRESH_DEADLINE_MS, &fleet, &cause);
    if (rc != 0) {
        fprintf(err, "pgdeck: sql: %s\n", cause);
        free(cause);
        goto out;
    }
    n = sql_cli_node(fleet, cli, &cause);
    if (!n) {
        fprintf(err, "pgdeck: sql: %s\n", cause);
        free(cause);
        rc = fleet_model_unknown(fleet_model(fleet), cli->cluster)
                 ? CLI_EXIT_UNREACHABLE
                 : CLI_EXIT_REFUSED;
        goto out;
    }
    host = x_strdup(n->private_ip);
    log_msg("sql: target %s (%s) at %s", n->id, fleet_role_name(n->role), host);
    sql_target_from(&t, ctx, s, host);
    if (!cli->sql) {
        /* psql, with the loop's signal handling out of the way. */
        fleet_free(fleet);
        fleet = NULL;
        rc = sql_psql_run(&t, NULL, &cause);
        if (cause) {
            fprintf(err, "pgdeck: sql: %s\n", cause);
            free(cause);
        }
        if (rc < 0)
            rc = CLI_EXIT_FAILED;
        goto out;
    }
    loop_on_signal(sc.loop, SIGINT, sql_cli_signal, &sc, NULL);
    loop_on_signal(sc.loop, SIGTERM, sql_cli_signal, &sc, NULL);
    rc = sql_cli_command(&sc, &t, s);
    if (sc.interrupted && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_FAILED;
out:
    sql_free(sc.sql);
    fleet_free(fleet);
    machines_free(api);
    http_free(http);
    loop_free(sc.loop);
    curl_global_cleanup();
    free(host);
    return rc;
}
