/*
 * runas: fork, drop to the runtime's user, exec, wait with a timeout.
 *
 * Everything the child needs (argv, envp, the group list) is prepared in
 * the parent: between fork and exec the child of a multi-threaded daemon
 * only makes system calls.  Output goes to unlinked temporary files, not
 * pipes, so that a program which leaves a detached grandchild holding its
 * stdout (pg_ctl start, repmgrd --daemonize) cannot block us.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

#define RUNAS_CAP (1024 * 1024)

static struct runas_ident runas_id;
static char *runas_shim;

static int runas_tmpfile(void);
static char *runas_slurp(int fd);
static char **runas_envp(const struct runas_opts *o);
static void runas_child(char *const argv[], char **envp,
                        const struct runas_opts *o, int in, int out, int err)
    __attribute__((noreturn));

int runas_init(char **cause)
{
    struct passwd pwbuf, *pw = NULL;
    char sbuf[4096];
    int n = 64;

    if (geteuid() == 0) {
        if (getpwnam_r("postgres", &pwbuf, sbuf, sizeof sbuf, &pw) != 0 ||
            !pw) {
            if (cause)
                *cause = x_strdup("running as root needs a 'postgres' "
                                  "system user (apt-get install "
                                  "postgresql-15)");
            return -1;
        }
        runas_id.drop = 1;
    } else {
        if (getpwuid_r(geteuid(), &pwbuf, sbuf, sizeof sbuf, &pw) != 0 || !pw) {
            if (cause)
                *cause = x_strdup("cannot find the current user");
            return -1;
        }
        runas_id.drop = 0;
    }
    runas_id.uid = pw->pw_uid;
    runas_id.gid = pw->pw_gid;
    runas_id.name = x_strdup(pw->pw_name);
    runas_id.home = x_strdup(pw->pw_dir);
    runas_id.groups = x_calloc((size_t)n, sizeof(gid_t));
    if (getgrouplist(pw->pw_name, pw->pw_gid, runas_id.groups, &n) < 0) {
        runas_id.groups =
            x_reallocarray(runas_id.groups, (size_t)n, sizeof(gid_t));
        if (getgrouplist(pw->pw_name, pw->pw_gid, runas_id.groups, &n) < 0)
            n = 0;
    }
    runas_id.ngroups = n;
    return 0;
}

void runas_fini(void)
{
    free(runas_id.groups);
    free(runas_id.name);
    free(runas_id.home);
    free(runas_shim);
    memset(&runas_id, 0, sizeof runas_id);
    runas_shim = NULL;
}

const struct runas_ident *runas_ident(void)
{
    return &runas_id;
}

void runas_set_shim_dir(const char *dir)
{
    free(runas_shim);
    runas_shim = dir ? x_strdup(dir) : NULL;
}

static int runas_tmpfile(void)
{
    char tmpl[] = "/tmp/pgdeck-rt-XXXXXX";
    int fd = mkstemp(tmpl);

    if (fd < 0)
        return -1;
    unlink(tmpl);
    return fd;
}

static char *runas_slurp(int fd)
{
    struct buf b = BUF_INIT;
    char chunk[8192];
    ssize_t n;

    if (lseek(fd, 0, SEEK_SET) < 0)
        return buf_steal(&b);
    while (b.len < RUNAS_CAP) {
        size_t want = sizeof chunk;

        if (want > RUNAS_CAP - b.len)
            want = RUNAS_CAP - b.len;
        n = read(fd, chunk, want);
        if (n <= 0)
            break;
        buf_append(&b, chunk, (size_t)n);
    }
    buf_putc(&b, '\0');
    b.len--;
    return buf_steal(&b);
}

static char **runas_envp(const struct runas_opts *o)
{
    size_t n = 0, i = 0;
    char **envp;
    const char *home = runas_id.home ? runas_id.home : "/";
    const char *user = runas_id.name ? runas_id.name : "postgres";

    /* A program that keeps root (exec, as on the image) has root's. */
    if (o && o->as_self && runas_id.drop) {
        home = "/root";
        user = "root";
    }

    if (o && o->env)
        while (o->env[n])
            n++;
    envp = x_calloc(n + 8, sizeof(char *));
    envp[i++] = x_asprintf("PATH=%s%s%s:/usr/bin:/bin:/usr/sbin:/sbin",
                           runas_shim ? runas_shim : "", runas_shim ? ":" : "",
                           PG_BINDIR);
    envp[i++] = x_asprintf("HOME=%s", home);
    envp[i++] = x_asprintf("USER=%s", user);
    envp[i++] = x_asprintf("LOGNAME=%s", user);
    envp[i++] = x_strdup("LANG=C.UTF-8");
    envp[i++] = x_strdup("LC_ALL=C.UTF-8");
    for (size_t k = 0; k < n; k++)
        envp[i++] = x_strdup(o->env[k]);
    envp[i] = NULL;
    return envp;
}

static void runas_child(char *const argv[], char **envp,
                        const struct runas_opts *o, int in, int out, int err)
{
    sigset_t none;

    setpgid(0, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ignored signals survive exec: give the program the defaults. */
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(126);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    if (runas_id.drop && !o->as_self) {
        if (setgroups((size_t)runas_id.ngroups, runas_id.groups) != 0 ||
            setgid(runas_id.gid) != 0 || setuid(runas_id.uid) != 0) {
            static const char msg[] = "cannot drop to the postgres user\n";
            ssize_t w = write(2, msg, sizeof msg - 1);
            (void)w;
            _exit(126);
        }
    }
    if (chdir(o->cwd ? o->cwd : "/") != 0 && chdir("/") != 0)
        _exit(126);
    execve(argv[0], argv, envp);
    {
        static const char msg[] = "cannot execute the program\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
    }
    _exit(127);
}

int runas_run(const char *const argv[], const struct runas_opts *o,
              struct rt_exec_result *res, char **cause)
{
    char **args;
    size_t nargs = 0;
    static const struct runas_opts defaults = {0, NULL, NULL, NULL, 0};
    int in = -1, out, err, status = 0, timed_out = 0, ret = 0;
    char **envp;
    pid_t pid;
    long long deadline;

    if (!o)
        o = &defaults;
    memset(res, 0, sizeof *res);
    out = runas_tmpfile();
    err = runas_tmpfile();
    if (o->input) {
        in = runas_tmpfile();
        if (in >= 0) {
            size_t len = strlen(o->input), off = 0;
            while (off < len) {
                ssize_t w = write(in, o->input + off, len - off);
                if (w <= 0)
                    break;
                off += (size_t)w;
            }
            lseek(in, 0, SEEK_SET);
        }
    } else {
        in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (out < 0 || err < 0 || in < 0) {
        if (cause)
            *cause =
                x_asprintf("cannot make temporary files: %s", strerror(errno));
        if (out >= 0)
            close(out);
        if (err >= 0)
            close(err);
        if (in >= 0)
            close(in);
        res->out = x_strdup("");
        res->err = x_strdup("");
        return -1;
    }
    envp = runas_envp(o);
    while (argv[nargs])
        nargs++;
    args = x_calloc(nargs + 1, sizeof(char *));
    for (size_t i = 0; i < nargs; i++)
        args[i] = x_strdup(argv[i]);
    pid = fork();
    if (pid == 0)
        runas_child(args, envp, o, in, out, err);
    rt_env_free(envp);
    rt_env_free(args);
    close(in);
    if (pid < 0) {
        if (cause)
            *cause = x_asprintf("cannot fork: %s", strerror(errno));
        close(out);
        close(err);
        res->out = x_strdup("");
        res->err = x_strdup("");
        return -1;
    }
    deadline = o->timeout_s > 0 ? proc_now_ms() + o->timeout_s * 1000LL : 0;
    for (int nap = 2;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        if (deadline && proc_now_ms() > deadline) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        proc_nap(nap);
        if (nap < 50)
            nap *= 2;
    }
    res->out = runas_slurp(out);
    res->err = runas_slurp(err);
    close(out);
    close(err);
    if (WIFEXITED(status))
        res->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) {
        res->exit_signal = WTERMSIG(status);
        res->exit_code = 128 + res->exit_signal;
    }
    if (timed_out) {
        if (cause)
            *cause =
                x_asprintf("%s timed out after %d s", argv[0], o->timeout_s);
        ret = -1;
    }
    return ret;
}

int runas_check(const char *what, const char *const argv[],
                const struct runas_opts *o, char **cause)
{
    struct rt_exec_result r;
    char *c = NULL;
    int rc = runas_run(argv, o, &r, &c);

    if (rc == 0 && r.exit_code == 0 && r.exit_signal == 0) {
        rt_exec_result_free(&r);
        return 0;
    }
    if (cause) {
        const char *text = *r.err ? r.err : r.out;
        size_t len = strlen(text);
        const char *tail;

        while (len && text[len - 1] == '\n')
            len--;
        tail = len > 1200 ? text + len - 1200 : text;
        if (c)
            *cause = x_asprintf("%s failed: %s: %.*s", what, c,
                                (int)(text + len - tail), tail);
        else
            *cause = x_asprintf("%s failed (exit %d): %.*s", what, r.exit_code,
                                (int)(text + len - tail), tail);
    }
    free(c);
    rt_exec_result_free(&r);
    return -1;
}

int runas_chown_dir(const char *path, int mode, char **cause)
{
    if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", path, strerror(errno));
        return -1;
    }
    if (runas_id.drop && chown(path, runas_id.uid, runas_id.gid) != 0) {
        if (cause)
            *cause = x_asprintf("cannot chown %s: %s", path, strerror(errno));
        return -1;
    }
    if (chmod(path, (mode_t)mode) != 0) {
        if (cause)
            *cause = x_asprintf("cannot chmod %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int runas_write_file(const char *path, const char *data, int mode, char **cause)
{
    char *tmp = x_asprintf("%s.tmp", path);
    size_t len = strlen(data), off = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  mode ? (mode_t)mode : 0600);

    if (fd < 0)
        goto fail;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0) {
            close(fd);
            goto fail;
        }
        off += (size_t)w;
    }
    if (runas_id.drop && fchown(fd, runas_id.uid, runas_id.gid) != 0) {
        close(fd);
        goto fail;
    }
    fchmod(fd, mode ? (mode_t)mode : 0600);
    if (close(fd) != 0 || rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 0;
fail:
    if (cause)
        *cause = x_asprintf("cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return -1;
}

void rt_exec_result_free(struct rt_exec_result *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    res->out = NULL;
    res->err = NULL;
}
