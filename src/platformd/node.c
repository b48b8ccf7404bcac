/*
 * node: a Postgres machine's life, as postgres-flex boots it.
 *
 * Boot (node_start):
 *   empty volume, no primary among the started peers  -> initdb, users,
 *       repmgr primary register;
 *   empty volume, a primary                             -> repmgr standby
 *       clone from it, start, standby register;
 *   existing data                                       -> start; a former
 *       primary that finds another primary is rejoined (CHECKPOINT on the
 *       new primary, then repmgr node rejoin --force-rewind);
 *   then repmgrd (--daemonize, pid file in run_dir).
 * Postgres is started by pg_ctl, which detaches the postmaster; its pid is
 * line 1 of postmaster.pid.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

#define NODE_PRIMARY_WAIT_MS 30000

static int node_safe_path(const char *s);
static int node_run(const struct rt_machine *m, const char *what,
                    const char *const argv[], int timeout_s, char **cause);
static int node_repmgr(const struct rt_machine *m, const char *what,
                       const char *const *args, int timeout_s, char **cause);
static int node_pg_start(const struct rt_machine *m, char **cause);
static int node_initdb(const struct rt_machine *m, char **cause);
static int node_bootstrap(const struct rt_machine *m, char **cause);
static int node_clone(const struct rt_machine *m, const char *primary,
                      char **cause);
static int node_rejoin(const struct rt_machine *m, const char *primary,
                       char **cause);
static char *node_find_primary(const struct rt_machine *m,
                               const struct rt_peer *peers, size_t npeers,
                               int wait_ms, int *nstarted);
static int node_start_repmgrd(const struct rt_machine *m, char **cause);
static int node_restore_active(const struct rt_machine *m);
static int node_restore(const struct rt_machine *m, char **cause);
static int node_post_init_ok(const struct rt_machine *m);
static int node_start_plain(const struct rt_machine *m,
                            const struct rt_peer *peers, size_t npeers,
                            char **cause);

static void node_wait_own_record(const struct rt_machine *m, int timeout_ms);
static int node_sync_credentials(const struct rt_machine *m, char **cause);

static const char *const node_standby_register[] = {"standby", "register", "-F",
                                                    NULL};
static pid_t node_repmgrd_pid(const struct rt_machine *m);
static int node_has_file(const struct rt_machine *m, const char *name);
/* Paths end up unquoted in pg_ctl's -o and repmgr's service commands. */
static int node_safe_path(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789/._-",
                    *s))
            return 0;
    return 1;
}

static int node_run(const struct rt_machine *m, const char *what,
                    const char *const argv[], int timeout_s, char **cause)
{
    char **env = rt_env(m);
    struct runas_opts o = {timeout_s, m->volume_path, (const char *const *)env,
                           NULL, 0};
    int rc = runas_check(what, argv, &o, cause);

    rt_env_free(env);
    return rc;
}

/* Runs "repmgr -f <volume>/repmgr.conf ARGS...". */
static int node_repmgr(const struct rt_machine *m, const char *what,
                       const char *const *args, int timeout_s, char **cause)
{
    const char *argv[24];
    char *bin = x_asprintf("%s/repmgr", PG_BINDIR);
    char *conf = x_asprintf("%s/repmgr.conf", m->volume_path);
    size_t i = 0;
    int rc;

    argv[i++] = bin;
    argv[i++] = "-f";
    argv[i++] = conf;
    for (size_t k = 0; args[k] && i < 23; k++)
        argv[i++] = args[k];
    argv[i] = NULL;
    rc = node_run(m, what, argv, timeout_s, cause);
    free(bin);
    free(conf);
    return rc;
}

static int node_has_file(const struct rt_machine *m, const char *name)
{
    char *data = rt_data_dir(m), *p = x_asprintf("%s/%s", data, name);
    struct stat st;
    int ok = stat(p, &st) == 0;

    free(p);
    free(data);
    return ok;
}

pid_t node_postmaster(const struct rt_machine *m)
{
    char *data = rt_data_dir(m), *p = x_asprintf("%s/postmaster.pid", data);
    pid_t pid = proc_read_pidfile(p);

    free(p);
    free(data);
    return pid;
}

static pid_t node_repmgrd_pid(const struct rt_machine *m)
{
    char *p = rt_path(m, "repmgrd.pid");
    pid_t pid = proc_read_pidfile(p);

    free(p);
    return pid;
}

/* A crash leaves postmaster.pid and the socket's lock file behind, naming a
 * postmaster that stays a zombie until whoever inherited it reaps it (PID 1
 * of a container may take seconds).  postgres takes a lock naming a PID
 * that still exists for a running server and refuses to start, where a Fly
 * machine, whose crash ends its VM, boots.  A lock is stale once its PID is
 * a zombie and no live process works in the data directory (every postgres
 * process does): then it is removed; postgres still checks its shared
 * memory. */
static void node_unlock_if_zombie(const struct rt_machine *m,
                                  const char *real_data, const char *lock)
{
    pid_t pid = proc_read_pidfile(lock);

    if (pid <= 0 || kill(pid, 0) != 0 || proc_alive(pid) ||
        proc_any_cwd_under(real_data))
        return;
    if (unlink(lock) == 0)
        log_msg("machine %s: removed %s, the lock of postmaster %ld, a "
                "zombie not yet reaped",
                m->id, lock, (long)pid);
}

static void node_clear_stale_locks(const struct rt_machine *m)
{
    char *data = rt_data_dir(m), *real = realpath(data, NULL);

    if (real) {
        char *lock = x_asprintf("%s/postmaster.pid", data);
        char *sock = x_asprintf("%s/.s.PGSQL.%d.lock", m->run_dir, RT_PG_PORT);

        node_unlock_if_zombie(m, real, lock);
        node_unlock_if_zombie(m, real, sock);
        free(lock);
        free(sock);
    }
    free(real);
    free(data);
}

static int node_pg_start(const struct rt_machine *m, char **cause)
{
    char *bin = x_asprintf("%s/pg_ctl", PG_BINDIR);
    char *data = rt_data_dir(m), *log = rt_path(m, "postgres.log");
    char *opts = nodeconf_pg_opts(m);
    const char *argv[] = {bin,  "-D", data, "-l", log,     "-o",
                          opts, "-w", "-t", "60", "start", NULL};
    int rc;

    if (proc_alive(node_postmaster(m))) {
        rc = 0;
    } else {
        rc = node_run(m, "pg_ctl start", argv, 90, cause);
        if (rc != 0 && cause && *cause) {
            /* pg_ctl says little; the server log says why. */
            char *text = proc_read_file(log, 64 * 1024 * 1024);
            if (text) {
                size_t n = strlen(text);
                const char *tail = n > 600 ? text + n - 600 : text;
                char *more = x_asprintf("%s; log: %s", *cause, tail);
                free(*cause);
                *cause = more;
                free(text);
            }
        }
    }
    free(bin);
    free(data);
    free(log);
    free(opts);
    return rc;
}

static int node_initdb(const struct rt_machine *m, char **cause)
{
    char *bin = x_asprintf("%s/initdb", PG_BINDIR);
    char *data = rt_data_dir(m), *pw = rt_path(m, "pwfile");
    char *pwopt = x_asprintf("--pwfile=%s", pw);
    const char *argv[] = {bin,
                          "-D",
                          data,
                          "-U",
                          "postgres",
                          pwopt,
                          "--auth-local=trust",
                          "--auth-host=scram-sha-256",
                          "-E",
                          "UTF8",
                          "--locale=C.UTF-8",
                          "--no-instructions",
                          rt_no_fsync() ? "--no-sync" : NULL,
                          NULL};
    char *line = x_asprintf("%s\n", m->operator_password ? m->operator_password
                                                         : "postgres");
    int rc;

    rc = runas_chown_dir(data, 0700, cause);
    if (rc == 0)
        rc = runas_write_file(pw, line, 0600, cause);
    x_wipe(line, strlen(line));
    free(line);
    if (rc == 0)
        rc = node_run(m, "initdb", argv, 120, cause);
    unlink(pw);
    if (rc == 0)
        rc = nodeconf_init_data(m, cause);
    free(bin);
    free(data);
    free(pw);
    free(pwopt);
    return rc;
}

/* A new cluster's first node: initdb, its config, Postgres, then
 * node_bootstrap. */
static int node_init_primary(const struct rt_machine *m, char **cause)
{
    int rc = node_initdb(m, cause);

    if (rc == 0)
        rc = nodeconf_write_data(m, cause);
    if (rc == 0)
        rc = node_pg_start(m, cause);
    if (rc == 0)
        rc = node_bootstrap(m, cause);
    return rc;
}

/* On a fresh primary: users, the repmgr database, primary register. */
static int node_bootstrap(const struct rt_machine *m, char **cause)
{
    static const char *const reg[] = {"primary", "register", "-F", NULL};
    struct pg_conn *c = pgq_local(m, "postgres", cause);
    int rc;

    if (!c)
        return -1;
    rc = pgq_exec(c,
                  "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
                  "rolname = 'repmgr') THEN CREATE ROLE repmgr WITH SUPERUSER "
                  "REPLICATION LOGIN; END IF; IF NOT EXISTS (SELECT 1 FROM "
                  "pg_roles WHERE rolname = 'flypgadmin') THEN CREATE ROLE "
                  "flypgadmin WITH SUPERUSER LOGIN; END IF; END$$",
                  cause);
    if (rc == 0) {
        char *have = pgq_value(
            c, "SELECT 1 FROM pg_database WHERE datname = 'repmgr'", NULL);
        if (!have)
            rc = pgq_exec(c, "CREATE DATABASE repmgr OWNER repmgr", cause);
        free(have);
    }
    pgq_close(c);
    if (rc == 0)
        rc = node_sync_credentials(m, cause);
    if (rc == 0 && !m->no_repmgr)
        rc = node_repmgr(m, "repmgr primary register", reg, 60, cause);
    return rc;
}

/*
 * As postgres-flex's setupCredentials, on a new primary and on a restore
 * only: the passwords of postgres, repmgr and flypgadmin become
 * OPERATOR_PASSWORD, REPL_PASSWORD and SU_PASSWORD.  Later boots leave
 * them: a secret changed afterwards no longer matches (node_post_init_ok).
 */
static int node_sync_credentials(const struct rt_machine *m, char **cause)
{
    struct pg_conn *c = pgq_local(m, "postgres", cause);
    int rc;

    if (!c)
        return -1;
    /* A cluster made read-only by the disk-capacity rule still boots. */
    rc = pgq_exec(c, "SET default_transaction_read_only = off", cause);
    if (rc == 0)
        rc = pgq_set_password(c, "repmgr",
                              m->repl_password ? m->repl_password : "", cause);
    if (rc == 0 && m->operator_password)
        rc = pgq_set_password(c, "postgres", m->operator_password, cause);
    if (rc == 0 && m->su_password)
        rc = pgq_set_password(c, "flypgadmin", m->su_password, cause);
    pgq_close(c);
    return rc;
}

int node_unregister(const struct rt_machine *m, int node_id, char **cause)
{
    char id[48];
    const char *args[] = {"standby", "unregister", id, NULL};

    (void)snprintf(id, sizeof id, "--node-id=%d", node_id);
    return node_repmgr(m, "repmgr standby unregister", args, 30, cause);
}

void node_console(const struct rt_machine *m, const char *fmt, ...)
{
    char *path = rt_path(m, "console.log"), *line, *msg;
    va_list ap;
    FILE *f;

    va_start(ap, fmt);
    msg = x_vasprintf(fmt, ap);
    va_end(ap);
    line = x_asprintf("%s\n", msg);
    f = fopen(path, "a");
    if (f) {
        fputs(line, f);
        fclose(f);
    }
    log_msg("machine %s: %s", m->id, msg);
    free(msg);
    free(line);
    free(path);
}

/* The app whose machine last booted the volume, or NULL (volumes older
 * than the marker).  Owned. */
static char *node_volume_app(const struct rt_machine *m)
{
    char *path = x_asprintf("%s/.pgdeck-app", m->volume_path);
    char *app = proc_read_file(path, 256);

    free(path);
    return app;
}

/* flex's isRestoreActive: FLY_RESTORED_FROM is set and the volume's
 * restore.lock does not name this app. */
static int node_restore_active(const struct rt_machine *m)
{
    char *path, *lock;
    int active;

    if (!m->restored_from || !*m->restored_from)
        return 0;
    path = x_asprintf("%s/restore.lock", m->volume_path);
    lock = proc_read_file(path, 256);
    active = !lock || strcmp(lock, m->app) != 0;
    free(lock);
    free(path);
    return active;
}

/*
 * flex's prepareRemoteRestore, then its first boot of a primary: Postgres
 * out of recovery, the old cluster's repmgr metadata dropped, the users'
 * passwords set from this app's secrets, registered as the primary, and
 * restore.lock naming the app so that later boots skip all of it.
 */
static int node_restore(const struct rt_machine *m, char **cause)
{
    char *data = rt_data_dir(m), *sig = x_asprintf("%s/standby.signal", data);
    char *lock = x_asprintf("%s/restore.lock", m->volume_path);
    struct pg_conn *c;
    int rc;

    node_console(m, "Restoring from %s", m->restored_from);
    unlink(sig);
    free(sig);
    free(data);
    rc = node_pg_start(m, cause);
    c = rc == 0 ? pgq_local(m, "postgres", cause) : NULL;
    if (!c)
        rc = -1;
    if (rc == 0)
        rc = pgq_exec(c, "SET default_transaction_read_only = off", cause);
    if (rc == 0)
        rc = pgq_exec(c, "DROP DATABASE IF EXISTS repmgr", cause);
    pgq_close(c);
    if (rc == 0)
        rc = node_bootstrap(m, cause);
    if (rc == 0)
        rc = runas_write_file(lock, m->app, 0600, cause);
    free(lock);
    return rc;
}

/*
 * flex's post-init on a primary that has data: it logs in as postgres with
 * OPERATOR_PASSWORD, then looks up its own repmgr member.  Data of another
 * cluster (a restore without FLY_RESTORED_FROM) fails one or the other on
 * every try; flex logs it, retries forever and never starts repmgrd.
 * Returns 1 when post-init goes through, else 0 (and logs what flex does).
 */
static int node_post_init_ok(const struct rt_machine *m)
{
    char *why = NULL, *app = node_volume_app(m);
    struct pg_conn *c = pgq_remote_as(m->private_ip, "postgres", "postgres",
                                      m->operator_password, 5, &why);
    int ok = 1;

    if (!c) {
        if (why && strstr(why, "password authentication failed")) {
            node_console(m, "[WARN] `postgres` user password does not match "
                            "the `OPERATOR_PASSWORD` secret");
            node_console(m,
                         "[WARN] Use `fly secrets set OPERATOR_PASSWORD="
                         "<password> --app %s` to resolve the issue",
                         m->app);
        }
        node_console(m,
                     "failed post-init: failed to establish connection to "
                     "local node: %s. Retrying...",
                     why ? why : "unknown error");
        ok = 0;
    } else if (app && strcmp(app, m->app) != 0) {
        node_console(m, "failed post-init: failed to resolve member role: no "
                        "rows in result set. Retrying...");
        ok = 0;
    }
    pgq_close(c);
    free(why);
    free(app);
    return ok;
}

static int node_clone(const struct rt_machine *m, const char *primary,
                      char **cause)
{
    const char *args[] = {"-h",      primary,  "-p", "5433",
                          "-U",      "repmgr", "-d", "repmgr",
                          "standby", "clone",  "-F", "--fast-checkpoint",
                          NULL};

    return node_repmgr(m, "repmgr standby clone", args, 600, cause);
}

/* A former primary, or a stray standby, joins PRIMARY's timeline. */
/*
 * Waits up to TIMEOUT_MS until PRIMARY's repmgr metadata registers it as
 * the active primary.  repmgrd promotes first and updates repmgr.nodes
 * after: a former primary started in between finds a server out of
 * recovery that repmgr does not call primary yet, its rejoin targets
 * itself and fails, and the re-clone that follows asks for its slot on the
 * wrong node (it then never streams).  Returns 1 once registered, else 0.
 */
static int node_wait_registered_primary(const struct rt_machine *m,
                                        const char *primary, int timeout_ms)
{
    long long deadline = proc_now_ms() + timeout_ms;

    for (;;) {
        struct pg_conn *c =
            pgq_remote(primary, "repmgr", m->repl_password, 2, NULL);
        char *v = NULL;

        if (c) {
            v = pgq_value(c,
                          "SELECT count(*) FROM repmgr.nodes WHERE type = "
                          "'primary' AND active AND node_name = "
                          "current_setting('cluster_name')",
                          NULL);
            pgq_close(c);
        }
        if (v && strcmp(v, "1") == 0) {
            free(v);
            return 1;
        }
        free(v);
        if (proc_now_ms() >= deadline)
            return 0;
        proc_nap(250);
    }
}

static int node_rejoin(const struct rt_machine *m, const char *primary,
                       char **cause)
{
    char *conninfo = x_asprintf(
        "host=%s port=%d user=repmgr dbname=repmgr connect_timeout=2", primary,
        RT_PG_PORT);
    const char *args[] = {"node",           "rejoin",    "-d", conninfo,
                          "--force-rewind", "--verbose", NULL};
    struct pg_conn *c;
    char *ign = NULL;
    int rc;

    /* The mandatory gotcha: a freshly promoted primary's checkpoint is
     * lazy; rewinding against it without one uses the old timeline. */
    c = pgq_remote(primary, "postgres", m->repl_password, 3, &ign);
    if (c) {
        pgq_exec(c, "CHECKPOINT", NULL);
        pgq_close(c);
    }
    free(ign);
    rc = node_repmgr(m, "repmgr node rejoin", args, 180, cause);
    free(conninfo);
    return rc;
}

/*
 * The IP of a started peer that answers pg_is_in_recovery() = false, owned,
 * or NULL.  Retries for WAIT_MS while some started peer does not answer yet.
 */
static char *node_find_primary(const struct rt_machine *m,
                               const struct rt_peer *peers, size_t npeers,
                               int wait_ms, int *nstarted)
{
    long long deadline = proc_now_ms() + wait_ms;

    for (;;) {
        int started = 0;

        for (size_t i = 0; i < npeers; i++) {
            const struct rt_peer *p = &peers[i];
            struct pg_conn *c;
            char *v;

            if (!p->started || !p->private_ip || !p->is_postgres ||
                (p->id && m->id && strcmp(p->id, m->id) == 0) ||
                (m->private_ip && strcmp(p->private_ip, m->private_ip) == 0))
                continue;
            started++;
            c = pgq_remote(p->private_ip, "postgres", m->repl_password, 2,
                           NULL);
            if (!c)
                continue;
            v = pgq_value(c, "SELECT pg_is_in_recovery()", NULL);
            pgq_close(c);
            if (v && strcmp(v, "f") == 0) {
                free(v);
                if (nstarted)
                    *nstarted = started;
                return x_strdup(p->private_ip);
            }
            free(v);
        }
        if (nstarted)
            *nstarted = started;
        if (started == 0 || proc_now_ms() >= deadline)
            return NULL;
        proc_nap(250);
    }
}

/*
 * A standby's registration is written on the primary and reaches this node
 * by replication; repmgrd exits at once when the node's own record is not
 * there yet, which happens when several replicas clone at the same time.
 * Wait (bounded) until the local repmgr.nodes has it.
 */
static void node_wait_own_record(const struct rt_machine *m, int timeout_ms)
{
    long long deadline = proc_now_ms() + timeout_ms;
    char *sql = x_asprintf("SELECT 1 FROM repmgr.nodes WHERE node_id = %d",
                           m->repmgr_node_id);

    for (;;) {
        struct pg_conn *c = pgq_local(m, "repmgr", NULL);
        char *v = c ? pgq_value(c, sql, NULL) : NULL;
        int found = v ? 1 : 0;

        pgq_close(c);
        free(v);
        if (found || proc_now_ms() >= deadline)
            break;
        proc_nap(100);
    }
    free(sql);
}

/*
 * A stolon image's node, as a plain PostgreSQL without repmgr: the
 * platform cannot run stolon (doc/architecture.md, "The local platform"),
 * so it runs one node per cluster, its own primary.
 */
static int node_start_plain(const struct rt_machine *m,
                            const struct rt_peer *peers, size_t npeers,
                            char **cause)
{
    int rc;

    if (!node_has_file(m, "PG_VERSION")) {
        char *data = rt_data_dir(m), *primary;
        int started = 0;

        proc_rmtree(data);
        free(data);
        primary = node_find_primary(m, peers, npeers, 0, &started);
        if (primary) {
            free(primary);
            if (cause)
                *cause = x_strdup("a stolon replica cannot run here: the "
                                  "platform runs a stolon image as one plain "
                                  "PostgreSQL, without stolon");
            return -1;
        }
        return node_init_primary(m, cause);
    }
    if (!proc_alive(node_postmaster(m)))
        node_clear_stale_locks(m);
    rc = nodeconf_write_data(m, cause);
    if (rc == 0)
        rc = node_pg_start(m, cause);
    if (rc == 0)
        rc = node_sync_credentials(m, cause);
    return rc;
}

static int node_start_repmgrd(const struct rt_machine *m, char **cause)
{
    char *bin = x_asprintf("%s/repmgrd", PG_BINDIR);
    char *conf = x_asprintf("%s/repmgr.conf", m->volume_path);
    char *pidf = rt_path(m, "repmgrd.pid");
    const char *argv[] = {bin, "-f", conf, "--daemonize", "-p", pidf, NULL};
    int rc = 0;

    if (m->no_repmgr) {
        free(bin);
        free(conf);
        free(pidf);
        return 0;
    }

    if (!proc_alive(node_repmgrd_pid(m))) {
        unlink(pidf);
        node_wait_own_record(m, 30000);
        rc = node_run(m, "repmgrd", argv, 30, cause);
        if (rc == 0) {
            long long deadline = proc_now_ms() + 5000;
            while (!proc_alive(node_repmgrd_pid(m)) && proc_now_ms() < deadline)
                proc_nap(20);
        }
    }
    free(bin);
    free(conf);
    free(pidf);
    return rc;
}

int node_start(const struct rt_machine *m, const struct rt_peer *peers,
               size_t npeers, char **cause)
{
    char *primary = NULL, *marker;
    int rc, started = 0;

    if (!m->volume_path || !m->private_ip || !m->id || !m->run_dir) {
        if (cause)
            *cause = x_strdup("a Postgres machine needs a volume mounted at "
                              "/data, a private_ip and a run dir");
        return -1;
    }
    if (!node_safe_path(m->volume_path) || !node_safe_path(m->run_dir) ||
        !node_safe_path(m->private_ip) || !node_safe_path(m->id)) {
        if (cause)
            *cause = x_strdup("volume and run paths may hold only letters, "
                              "digits and / . _ -");
        return -1;
    }
    if (runas_chown_dir(m->run_dir, 0700, cause) != 0 ||
        runas_chown_dir(m->volume_path, 0700, cause) != 0)
        return -1;
    if (m->boot_panic) {
        node_console(m, "%s", m->boot_panic);
        if (cause)
            *cause = x_strdup(m->boot_panic);
        return -1;
    }
    if (proc_alive(node_postmaster(m)))
        return node_start_repmgrd(m, cause);
    if (m->no_repmgr)
        return node_start_plain(m, peers, npeers, cause);
    if (nodeconf_write_volume(m, cause) != 0)
        return -1;
    marker = x_asprintf("%s/.pgdeck-machine", m->volume_path);

    if (!node_has_file(m, "PG_VERSION")) {
        char *data = rt_data_dir(m);

        /* Leftovers of a failed first boot. */
        proc_rmtree(data);
        free(data);
        primary =
            node_find_primary(m, peers, npeers, NODE_PRIMARY_WAIT_MS, &started);
        if (primary) {
            rc = node_clone(m, primary, cause);
            if (rc == 0)
                rc = nodeconf_write_data(m, cause);
            if (rc == 0)
                rc = node_pg_start(m, cause);
            if (rc == 0)
                rc = node_repmgr(m, "repmgr standby register",
                                 node_standby_register, 60, cause);
        } else if (started > 0) {
            if (cause)
                *cause = x_asprintf("no primary answers among %d started "
                                    "peers: cannot clone",
                                    started);
            rc = -1;
        } else if (m->primary_region && *m->primary_region && m->region &&
                   strcmp(m->region, m->primary_region) != 0) {
            if (cause)
                *cause = x_asprintf("unable to configure as the primary: "
                                    "region %s is not PRIMARY_REGION %s",
                                    m->region, m->primary_region);
            rc = -1;
        } else {
            rc = node_init_primary(m, cause);
        }
    } else {
        int restore = node_restore_active(m);
        int standby = !restore && node_has_file(m, "standby.signal");

        if (!proc_alive(node_postmaster(m)))
            node_clear_stale_locks(m);
        primary = node_find_primary(m, peers, npeers, 0, &started);
        rc = nodeconf_write_data(m, cause);
        if (rc == 0 && restore) {
            rc = node_restore(m, cause);
        } else if (rc == 0 && primary && !standby) {
            char *why = NULL;

            /* A former primary: another one took over.  Rejoin it, once
             * repmgr registers the new one (it may still be promoting). */
            if (!node_wait_registered_primary(m, primary, NODE_PRIMARY_WAIT_MS))
                log_msg("machine %s: %s is not registered as primary after "
                        "%d s; rejoining all the same",
                        m->id, primary, NODE_PRIMARY_WAIT_MS / 1000);
            log_msg("machine %s: former primary, rejoining %s", m->id, primary);
            rc = node_rejoin(m, primary, &why);
            if (rc != 0) {
                char *data = rt_data_dir(m);

                log_msg("machine %s: rejoin failed (%s), re-cloning", m->id,
                        why ? why : "");
                free(why);
                why = NULL;
                node_stop(m, SIGINT, 10, NULL);
                proc_rmtree(data);
                free(data);
                rc = node_clone(m, primary, cause);
                if (rc == 0)
                    rc = nodeconf_write_data(m, cause);
                if (rc == 0)
                    rc = node_pg_start(m, cause);
                if (rc == 0)
                    rc = node_repmgr(m, "repmgr standby register",
                                     node_standby_register, 60, cause);
            }
            free(why);
        } else if (rc == 0) {
            rc = node_pg_start(m, cause);
            if (rc == 0 && !standby && !node_post_init_ok(m)) {
                /* flex's post-init fails on every try: no repmgr member,
                 * no repmgrd (doc/architecture.md "Secrets and the flex
                 * boot"). */
                free(primary);
                free(marker);
                return 0;
            }
            if (rc == 0) {
                static const char *const preg[] = {"primary", "register", "-F",
                                                   NULL};
                char *c = NULL;

                if (node_repmgr(m, "repmgr register",
                                standby ? node_standby_register : preg, 60,
                                &c) != 0)
                    log_msg("machine %s: %s", m->id, c ? c : "");
                free(c);
            }
        }
    }
    free(primary);
    if (rc == 0)
        rc = node_start_repmgrd(m, cause);
    if (rc == 0) {
        char *app = x_asprintf("%s/.pgdeck-app", m->volume_path);

        runas_write_file(marker, m->id, 0600, NULL);
        runas_write_file(app, m->app, 0600, NULL);
        free(app);
    }
    free(marker);
    return rc;
}

void node_supervise(const struct rt_machine *m)
{
    static const char *const follow[] = {"standby", "follow", "-W", NULL};
    char *c = NULL;

    if (m->no_repmgr || !proc_alive(node_postmaster(m)) ||
        proc_alive(node_repmgrd_pid(m)))
        return;
    /* flex's supervisor restarts repmgrd.  A standby's repmgrd exits when
     * its upstream is gone; then follow whichever node is the primary
     * (repmgr finds it among the registered nodes) and start it again. */
    if (node_start_repmgrd(m, &c) == 0) {
        proc_nap(1500);
        if (proc_alive(node_repmgrd_pid(m)) ||
            !node_has_file(m, "standby.signal")) {
            free(c);
            return;
        }
    }
    free(c);
    c = NULL;
    if (node_repmgr(m, "repmgr standby follow", follow, 90, &c) != 0)
        log_msg("machine %s: %s", m->id, c ? c : "");
    free(c);
    c = NULL;
    node_start_repmgrd(m, &c);
    free(c);
}

void node_stop_repmgrd(const struct rt_machine *m, int timeout_ms)
{
    pid_t pid = node_repmgrd_pid(m);

    if (!proc_alive(pid))
        return;
    kill(pid, timeout_ms > 0 ? SIGTERM : SIGKILL);
    if (!proc_wait_gone(pid, timeout_ms > 0 ? timeout_ms : 2000)) {
        kill(pid, SIGKILL);
        proc_wait_gone(pid, 2000);
    }
}

int node_stop(const struct rt_machine *m, int sig, int timeout_s, char **cause)
{
    pid_t pm = node_postmaster(m);

    (void)cause;
    node_stop_repmgrd(m, 3000);
    if (proc_alive(pm)) {
        kill(pm, sig);
        if (!proc_wait_gone(pm, timeout_s * 1000)) {
            kill(pm, SIGSTOP);
            proc_signal_children(pm, SIGKILL);
            kill(pm, SIGKILL);
            proc_wait_gone(pm, 5000);
        }
    }
    if (m->volume_id)
        vol_apply_pending(m->volume_id);
    return 0;
}

void node_crash(const struct rt_machine *m)
{
    pid_t pm = node_postmaster(m);

    if (proc_alive(pm)) {
        kill(pm, SIGSTOP);
        proc_signal_children(pm, SIGKILL);
        kill(pm, SIGKILL);
    }
    node_stop_repmgrd(m, 0);
    if (pm > 0)
        proc_wait_gone(pm, 5000);
}

int node_alive(const struct rt_machine *m)
{
    /* repmgrd stands for flex's supervisor: it restarts postgres itself
     * during follow and rejoin, when the postmaster is briefly gone. */
    return proc_alive(node_postmaster(m)) || proc_alive(node_repmgrd_pid(m));
}
