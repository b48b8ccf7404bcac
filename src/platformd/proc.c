/*
 * proc: pid files, /proc scans, small waits and file helpers for the
 * runtime.
 *
 * Processes the runtime detached are re-parented to PID 1, which on some
 * hosts (containers) never reaps them: a killed process can stay a zombie,
 * so "alive" means "exists and is not a zombie".
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"

static int proc_stat(pid_t pid, char *state, pid_t *ppid);
static int proc_rm_one(const char *path, const struct stat *sb, int flag,
                       struct FTW *ftw);

pid_t proc_read_pidfile(const char *path)
{
    char *text = proc_read_file(path, 256);
    char *end;
    long v;

    if (!text)
        return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || end == text || v <= 0 || (*end && *end != '\n')) {
        free(text);
        return -1;
    }
    free(text);
    return (pid_t)v;
}

/* Reads state and parent of PID from /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, pid_t *ppid)
{
    char path[64], *text, *p, *end;
    long v;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    text = proc_read_file(path, 4096);
    if (!text)
        return -1;
    p = strrchr(text, ')');
    if (!p || p[1] != ' ' || !p[2]) {
        free(text);
        return -1;
    }
    *state = p[2];
    errno = 0;
    v = strtol(p + 3, &end, 10);
    *ppid = (errno || end == p + 3) ? -1 : (pid_t)v;
    free(text);
    return 0;
}

int proc_alive(pid_t pid)
{
    char state;
    pid_t ppid;

    if (pid <= 0)
        return 0;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 0;
    if (proc_stat(pid, &state, &ppid) != 0)
        return 0;
    return state != 'Z' && state != 'X';
}

/* The next process id among the entries of the open /proc D, or 0. */
static pid_t proc_next_pid(DIR *d)
{
    struct dirent *e;

    while ((e = readdir(d))) {
        char *end;
        long v;

        errno = 0;
        v = strtol(e->d_name, &end, 10);
        if (!errno && !*end && v > 0)
            return (pid_t)v;
    }
    return 0;
}

void proc_signal_children(pid_t ppid, int sig)
{
    DIR *d = opendir("/proc");
    pid_t pid;

    if (!d)
        return;
    while ((pid = proc_next_pid(d)) > 0) {
        char state;
        pid_t parent;

        if (proc_stat(pid, &state, &parent) == 0 && parent == ppid &&
            state != 'Z')
            kill(pid, sig);
    }
    closedir(d);
}

int proc_any_cwd_under(const char *dir)
{
    DIR *d = opendir("/proc");
    size_t n = strlen(dir);
    pid_t pid;
    int found = 0;

    if (!d)
        return 0;
    while (!found && (pid = proc_next_pid(d)) > 0) {
        char link[64], cwd[4096];
        ssize_t len;

        snprintf(link, sizeof link, "/proc/%ld/cwd", (long)pid);
        len = readlink(link, cwd, sizeof cwd - 1);
        if (len <= 0) /* a zombie, gone, or not ours to read */
            continue;
        cwd[len] = '\0';
        if (strncmp(cwd, dir, n) == 0 && (cwd[n] == '\0' || cwd[n] == '/') &&
            proc_alive(pid))
            found = 1;
    }
    closedir(d);
    return found;
}

int proc_wait_gone(pid_t pid, int timeout_ms)
{
    long long deadline = proc_now_ms() + timeout_ms;

    while (proc_alive(pid)) {
        if (proc_now_ms() >= deadline)
            return 0;
        proc_nap(20);
    }
    return 1;
}

void proc_nap(int ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

long long proc_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int proc_rm_one(const char *path, const struct stat *sb, int flag,
                       struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int proc_rmtree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    nftw(path, proc_rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    return lstat(path, &st) == 0 ? -1 : 0;
}

char *proc_read_file(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct buf b = BUF_INIT;
    char chunk[4096];
    ssize_t n;

    if (fd < 0)
        return NULL;
    while (b.len < max) {
        size_t want = sizeof chunk;

        if (want > max - b.len)
            want = max - b.len;
        n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf_append(&b, chunk, (size_t)n);
    }
    close(fd);
    buf_putc(&b, '\0');
    b.len--;
    return buf_steal(&b);
}
