/*
 * exec: the machine exec endpoint's runtime side.
 *
 * As on a postgres-flex machine, exec runs as root (the image has no USER)
 * with root's environment: no PGPORT or PGUSER, so psql looks for a
 * server on 5432 and finds none, repmgr refuses root ("cannot be run
 * as root"), and pg_hba has local entries for postgres, flypgadmin and
 * repmgr only.  "gosu USER PROGRAM ARGS..." (gosu is on the image) runs
 * PROGRAM as USER through the host's real gosu.  PGHOST names the
 * machine's socket directory, standing for the image's default one.
 *
 * Only allowlisted programs run (never a shell), also behind gosu, with
 * "/data" at the start of an argument (or of an option's value,
 * "--x=/data/...") replaced by the volume's host path.  A daemon that is
 * not root cannot be root for exec: it runs every program as itself (the
 * user that stands for postgres) and takes "gosu postgres" as a no-op
 * (doc/pgdeck-platformd.8, "exec").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

static const struct {
    const char *name;
    int pg; /* 1: PG_BINDIR, 0: /usr/bin */
} exec_allowed[] = {
    {"repmgr", 1},         {"psql", 1}, {"pg_ctl", 1}, {"pg_isready", 1},
    {"pg_controldata", 1}, {"df", 0},   {"cat", 0},    {"id", 0},
};

/* Where Debian puts gosu. */
static const char *const exec_gosu_paths[] = {"/usr/sbin/gosu", "/usr/bin/gosu",
                                              NULL};

#define EXEC_NALLOWED (sizeof exec_allowed / sizeof exec_allowed[0])

static char *exec_resolve(const char *arg0);
static char *exec_map(const struct rt_machine *m, const char *arg);
static int exec_is_data(const char *s);

/* The absolute path for ARG0 (a bare name, or a path whose last component
 * is allowed), owned; NULL when not allowed. */
static char *exec_resolve(const char *arg0)
{
    const char *base = strrchr(arg0, '/');

    base = base ? base + 1 : arg0;
    for (size_t i = 0; i < EXEC_NALLOWED; i++)
        if (strcmp(base, exec_allowed[i].name) == 0)
            return x_asprintf(
                "%s/%s", exec_allowed[i].pg ? PG_BINDIR : "/usr/bin", base);
    return NULL;
}

static int exec_is_data(const char *s)
{
    return strncmp(s, "/data", 5) == 0 && (s[5] == '\0' || s[5] == '/');
}

static char *exec_map(const struct rt_machine *m, const char *arg)
{
    const char *eq;

    if (!m->volume_path)
        return x_strdup(arg);
    if (exec_is_data(arg))
        return x_asprintf("%s%s", m->volume_path, arg + 5);
    eq = arg[0] == '-' ? strchr(arg, '=') : NULL;
    if (eq && exec_is_data(eq + 1))
        return x_asprintf("%.*s%s%s", (int)(eq + 1 - arg), arg, m->volume_path,
                          eq + 6);
    return x_strdup(arg);
}

/* The environment of an exec: root's on the image, plus the machine's
 * FLY_* variables and PGHOST (its socket directory); owned. */
static char **exec_env(const struct rt_machine *m)
{
    char **env = x_calloc(9, sizeof(char *));
    size_t i = 0;

    env[i++] = x_asprintf("PGHOST=%s", m->run_dir);
    /* flex writes the repmgr password to /data/.pgpass, which repmgr run
     * as postgres reads (flyctl's promote over SSH needs it); gosu sets
     * HOME from this host's passwd, so the file is named here.  Not
     * verified: that the image's postgres has /data for home. */
    if (m->volume_path)
        env[i++] = x_asprintf("PGPASSFILE=%s/.pgpass", m->volume_path);
    i = rt_env_fly(m, env, i);
    env[i] = NULL;
    return env;
}

static const char *exec_gosu_bin(void)
{
    for (size_t i = 0; exec_gosu_paths[i]; i++)
        if (access(exec_gosu_paths[i], X_OK) == 0)
            return exec_gosu_paths[i];
    return NULL;
}

int rt_exec(const struct rt_machine *m, char *const argv[], int timeout_s,
            struct rt_exec_result *res, char **cause)
{
    char *bin, **args, **env;
    const char **view;
    const char *gosu_user = NULL;
    size_t n = 0, lead = 0;
    int rc, as_root = runas_ident()->drop;

    memset(res, 0, sizeof *res);
    /* gosu USER PROGRAM ...: PROGRAM is what the allowlist judges. */
    if (argv && argv[0] &&
        strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0],
               "gosu") == 0) {
        if (!argv[1] || !argv[2]) {
            if (cause)
                *cause = x_strdup("gosu needs a user and a program: gosu "
                                  "USER PROGRAM [ARGS...]");
            return -1;
        }
        gosu_user = argv[1];
        argv += 2;
    }
    bin = argv && argv[0] ? exec_resolve(argv[0]) : NULL;
    if (!bin) {
        if (cause) {
            struct buf b = BUF_INIT;

            buf_printf(&b, "%s is not allowed; allowed programs:",
                       argv && argv[0] ? argv[0] : "an empty command");
            for (size_t i = 0; i < EXEC_NALLOWED; i++)
                buf_printf(&b, "%s %s", i ? "," : "", exec_allowed[i].name);
            *cause = buf_steal(&b);
        }
        return -1;
    }
    while (argv[n])
        n++;
    /* As root, gosu is the host's own: it switches to the user (or says it
     * cannot, as on the image).  Not root, this daemon is the only user it
     * can be, and gosu would fail: the program runs as it is. */
    if (gosu_user && as_root) {
        if (!exec_gosu_bin()) {
            if (cause)
                *cause = x_strdup("gosu is not installed on this host "
                                  "(Debian package gosu)");
            free(bin);
            return -1;
        }
        lead = 2;
    }
    args = x_calloc(lead + n + 1, sizeof(char *));
    view = x_calloc(lead + n + 1, sizeof(char *));
    if (lead) {
        args[0] = x_strdup(exec_gosu_bin());
        args[1] = x_strdup(gosu_user);
    }
    args[lead] = bin;
    for (size_t i = 1; i < n; i++)
        args[lead + i] = exec_map(m, argv[i]);
    for (size_t i = 0; i < lead + n; i++)
        view[i] = args[i];
    env = exec_env(m);
    {
        /* Root (as_self) on a root daemon: gosu drops by itself. */
        struct runas_opts o = {timeout_s > 0 ? timeout_s : 60,
                               m->volume_path ? m->volume_path : m->run_dir,
                               (const char *const *)env, NULL, as_root};

        rc = runas_run(view, &o, res, cause);
    }
    rt_env_free(env);
    for (size_t i = 0; i < lead + n; i++)
        free(args[i]);
    free(args);
    free(view);
    return rc;
}
