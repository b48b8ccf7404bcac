/*
 * exec: the machine exec endpoint's runtime side.
 *
 * Runs an allowlisted program (never a shell) as the machine's user, in its
 * environment (PGHOST = its socket dir, PGPORT 5433, PGPASSFILE, PGDATA, the
 * FLY_* variables), with "/data" at the start of an argument (or of an
 * option's value, "--x=/data/...") replaced by the volume's host path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

static const struct {
    const char *name;
    int pg; /* 1: PG_BINDIR, 0: /usr/bin */
} exec_allowed[] = {
    {"repmgr", 1},         {"psql", 1}, {"pg_ctl", 1}, {"pg_isready", 1},
    {"pg_controldata", 1}, {"df", 0},   {"cat", 0},
};

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

int rt_exec(const struct rt_machine *m, char *const argv[], int timeout_s,
            struct rt_exec_result *res, char **cause)
{
    char *bin, **args, **env;
    const char **view;
    size_t n = 0;
    int rc;

    memset(res, 0, sizeof *res);
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
    args = x_calloc(n + 1, sizeof(char *));
    view = x_calloc(n + 1, sizeof(char *));
    args[0] = bin;
    for (size_t i = 1; i < n; i++)
        args[i] = exec_map(m, argv[i]);
    for (size_t i = 0; i < n; i++)
        view[i] = args[i];
    env = rt_env(m);
    {
        struct runas_opts o = {timeout_s > 0 ? timeout_s : 60,
                               m->volume_path ? m->volume_path : m->run_dir,
                               (const char *const *)env, NULL, 0};

        rc = runas_run(view, &o, res, cause);
    }
    rt_env_free(env);
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    free(args);
    free(view);
    return rc;
}
