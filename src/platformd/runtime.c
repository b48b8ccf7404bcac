/*
 * runtime: machine lifecycle, dispatching to node.c for Postgres machines
 * and running a placeholder process for every other image.
 *
 * The placeholder is `/bin/sleep infinity`, started through a double fork
 * so that it is never a child of the daemon; its pid file is
 * <run_dir>/placeholder.pid.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"
#include "src/platformd/runtime.h"

/* repmgr's remote steps run "ssh [options] HOST CMD": every node is on this
 * host and runs as the same user, so drop the options and the host and run
 * the command here. */
static const char rt_shim_text[] =
    "#!/bin/sh\n"
    "# pgdeck-platformd ssh shim: every node is local; run CMD here.\n"
    "while [ $# -gt 0 ]; do\n"
    "  case \"$1\" in\n"
    "    -o|-p|-l|-i|-F|-E|-c|-m|-b|-e|-J|-L|-R|-D|-S|-W|-w) shift 2 ;;\n"
    "    -*) shift ;;\n"
    "    *) break ;;\n"
    "  esac\n"
    "done\n"
    "[ $# -gt 0 ] && shift\n"
    "[ $# -eq 0 ] && exit 0\n"
    "exec /bin/sh -c \"$*\"\n";

static char *rt_state;
static char *rt_shim;

static int rt_placeholder_start(const struct rt_machine *m, char **cause);
static pid_t rt_placeholder_pid(const struct rt_machine *m);

static int rt_nofsync;

void rt_set_no_fsync(int on)
{
    rt_nofsync = on != 0;
}

int rt_no_fsync(void)
{
    return rt_nofsync;
}

int rt_init(const char *state_dir, char **cause)
{
    char *shim_path;

    if (runas_init(cause) != 0)
        return -1;
    free(rt_state);
    free(rt_shim);
    rt_state = x_strdup(state_dir);
    rt_shim = x_asprintf("%s/shim", state_dir);
    if (mkdir(rt_shim, 0755) != 0 && errno != EEXIST) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", rt_shim, strerror(errno));
        return -1;
    }
    chmod(rt_shim, 0755);
    shim_path = x_asprintf("%s/ssh", rt_shim);
    {
        /* runas_write_file chowns to the runtime user; the shim is the
         * daemon's own file, readable and executable by all. */
        char *tmp = x_asprintf("%s.tmp", shim_path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        size_t len = sizeof rt_shim_text - 1;

        if (fd < 0 || write(fd, rt_shim_text, len) != (ssize_t)len ||
            fchmod(fd, 0755) != 0 || close(fd) != 0 ||
            rename(tmp, shim_path) != 0) {
            if (cause)
                *cause = x_asprintf("cannot write %s: %s", shim_path,
                                    strerror(errno));
            free(tmp);
            free(shim_path);
            return -1;
        }
        free(tmp);
    }
    free(shim_path);
    runas_set_shim_dir(rt_shim);
    return 0;
}

void rt_shutdown(void)
{
    runas_fini();
    free(rt_state);
    free(rt_shim);
    rt_state = NULL;
    rt_shim = NULL;
}

const char *rt_state_dir(void)
{
    return rt_state;
}

const char *rt_shim_dir(void)
{
    return rt_shim;
}

char *rt_path(const struct rt_machine *m, const char *name)
{
    return x_asprintf("%s/%s", m->run_dir, name);
}

char *rt_data_dir(const struct rt_machine *m)
{
    return x_asprintf("%s/postgresql", m->volume_path ? m->volume_path : "");
}

const char *rt_node_name(const struct rt_machine *m)
{
    return m->node_name && *m->node_name ? m->node_name : m->id;
}

char **rt_env(const struct rt_machine *m)
{
    char **env = x_calloc(16, sizeof(char *));
    size_t i = 0;

    if (m->volume_path) {
        env[i++] = x_asprintf("PGPASSFILE=%s/.pgpass", m->volume_path);
        env[i++] = x_asprintf("PGDATA=%s/postgresql", m->volume_path);
    }
    env[i++] = x_asprintf("PGHOST=%s", m->run_dir);
    env[i++] = x_asprintf("PGPORT=%d", RT_PG_PORT);
    env[i++] = x_strdup("PGUSER=postgres");
    i = rt_env_fly(m, env, i);
    env[i++] = x_asprintf("FLY_VM_MEMORY_MB=%d", m->memory_mb);
    env[i] = NULL;
    return env;
}

size_t rt_env_fly(const struct rt_machine *m, char **env, size_t i)
{
    env[i++] = x_asprintf("FLY_APP_NAME=%s", m->app ? m->app : "");
    env[i++] = x_asprintf("FLY_MACHINE_ID=%s", m->id ? m->id : "");
    env[i++] = x_asprintf("FLY_REGION=%s", m->region ? m->region : "");
    env[i++] = x_asprintf("PRIMARY_REGION=%s",
                          m->primary_region ? m->primary_region : "");
    env[i++] =
        x_asprintf("FLY_PRIVATE_IP=%s", m->private_ip ? m->private_ip : "");
    return i;
}

void rt_env_free(char **env)
{
    if (!env)
        return;
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

static pid_t rt_placeholder_pid(const struct rt_machine *m)
{
    char *path = rt_path(m, "placeholder.pid");
    pid_t pid = proc_read_pidfile(path);

    free(path);
    return pid;
}

static int rt_placeholder_start(const struct rt_machine *m, char **cause)
{
    int fds[2];
    pid_t child, grand = -1;
    int status;
    char *path, *text;

    if (proc_alive(rt_placeholder_pid(m)))
        return 0;
    if (pipe(fds) != 0) {
        if (cause)
            *cause = x_asprintf("cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        if (cause)
            *cause = x_asprintf("cannot fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        pid_t g;
        sigset_t none;

        close(fds[0]);
        setsid();
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < 32; sig++)
            if (sig != SIGKILL && sig != SIGSTOP)
                signal(sig, SIG_DFL);
        g = fork();
        if (g == 0) {
            int null = open("/dev/null", O_RDWR);

            if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
                dup2(null, 2) < 0)
                _exit(126);
            for (int fd = 3; fd < 1024; fd++)
                close(fd);
            if (chdir("/") != 0)
                _exit(126);
            execl("/bin/sleep", "sleep", "infinity", (char *)NULL);
            _exit(127);
        }
        if (write(fds[1], &g, sizeof g) != (ssize_t)sizeof g)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &grand, sizeof grand) != (ssize_t)sizeof grand)
        grand = -1;
    close(fds[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (grand <= 0) {
        if (cause)
            *cause = x_strdup("cannot start the placeholder process");
        return -1;
    }
    path = rt_path(m, "placeholder.pid");
    text = x_asprintf("%ld\n", (long)grand);
    if (runas_write_file(path, text, 0644, cause) != 0) {
        kill(grand, SIGKILL);
        free(path);
        free(text);
        return -1;
    }
    free(path);
    free(text);
    return 0;
}

int rt_start(const struct rt_machine *m, const struct rt_peer *peers,
             size_t npeers, char **cause)
{
    if (!rt_state) {
        if (cause)
            *cause = x_strdup("the runtime is not initialised");
        return -1;
    }
    if (!m->is_postgres)
        return rt_placeholder_start(m, cause);
    return node_start(m, peers, npeers, cause);
}

int rt_stop(const struct rt_machine *m, int sig, int timeout_s, char **cause)
{
    pid_t pid;

    if (sig <= 0)
        sig = SIGINT;
    if (timeout_s <= 0)
        timeout_s = 30;
    if (m->is_postgres)
        return node_stop(m, sig, timeout_s, cause);
    pid = rt_placeholder_pid(m);
    if (!proc_alive(pid))
        return 0;
    kill(pid, sig);
    if (!proc_wait_gone(pid, timeout_s * 1000)) {
        kill(pid, SIGKILL);
        proc_wait_gone(pid, 5000);
    }
    return 0;
}

int rt_signal(const struct rt_machine *m, int sig, char **cause)
{
    pid_t pid = m->is_postgres ? node_postmaster(m) : rt_placeholder_pid(m);

    if (!proc_alive(pid)) {
        if (cause)
            *cause = x_strdup("the machine's main process is not running");
        return -1;
    }
    if (kill(pid, sig) != 0) {
        if (cause)
            *cause =
                x_asprintf("cannot signal %ld: %s", (long)pid, strerror(errno));
        return -1;
    }
    /* On a Fly machine a terminating signal to the main process ends the
     * machine: take repmgrd down with the postmaster. */
    if (m->is_postgres &&
        (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)) {
        if (sig == SIGKILL) {
            proc_signal_children(pid, SIGKILL);
            node_stop_repmgrd(m, 0);
        } else {
            proc_wait_gone(pid, 10000);
            node_stop_repmgrd(m, 3000);
        }
    }
    return 0;
}

int rt_crash(const struct rt_machine *m, char **cause)
{
    (void)cause;
    if (m->is_postgres) {
        node_crash(m);
        return 0;
    }
    {
        pid_t pid = rt_placeholder_pid(m);

        if (proc_alive(pid)) {
            kill(pid, SIGKILL);
            proc_wait_gone(pid, 2000);
        }
    }
    return 0;
}

int rt_alive(const struct rt_machine *m)
{
    if (m->is_postgres)
        return node_alive(m);
    return proc_alive(rt_placeholder_pid(m));
}

void rt_destroy(const struct rt_machine *m)
{
    DIR *d;
    struct dirent *e;

    if (!m->run_dir)
        return;
    d = opendir(m->run_dir);
    while (d && (e = readdir(d))) {
        char *p;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        p = rt_path(m, e->d_name);
        if (proc_rmtree(p) != 0)
            log_msg("runtime: cannot remove %s", p);
        free(p);
    }
    if (d)
        closedir(d);
}
