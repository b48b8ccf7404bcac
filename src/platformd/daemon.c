#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/daemon.h"
#include "src/platformd/ids.h"
#include "src/platformd/persist.h"

#define DAEMON_TOKEN_BYTES 32

static int daemon_fail_msg(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int daemon_fail_msg(char **cause, const char *fmt, ...)
{
    va_list ap;

    if (cause) {
        va_start(ap, fmt);
        *cause = x_vasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

int daemon_parse_listen(const char *spec, struct sockaddr_storage *sa,
                        socklen_t *len, char **cause)
{
    char host[256];
    const char *colon, *port;
    struct addrinfo hints, *res = NULL;
    char *end;
    long p;
    int rc;

    if (!spec || !*spec)
        return daemon_fail_msg(cause, "--listen needs ADDR:PORT");
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');

        if (!close || close[1] != ':' ||
            (size_t)(close - spec - 1) >= sizeof host)
            return daemon_fail_msg(cause, "bad --listen '%s': use [::1]:PORT",
                                   spec);
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port = close + 2;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host)
            return daemon_fail_msg(cause, "bad --listen '%s': use ADDR:PORT",
                                   spec);
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    }
    errno = 0;
    p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535)
        return daemon_fail_msg(cause, "bad port in --listen '%s'", spec);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = strcmp(host, "localhost") == 0 ? 0 : AI_NUMERICHOST;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        return daemon_fail_msg(cause, "bad address '%s' in --listen: %s", host,
                               gai_strerror(rc));
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (sa->ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;

        if ((ntohl(in->sin_addr.s_addr) >> 24) != 127)
            return daemon_fail_msg(
                cause,
                "refusing to listen on %s: pgdeck-platformd serves loopback "
                "only (127.0.0.0/8 or ::1)",
                host);
        in->sin_port = htons((unsigned short)p);
    } else if (sa->ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

        if (!IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return daemon_fail_msg(
                cause,
                "refusing to listen on %s: pgdeck-platformd serves loopback "
                "only (127.0.0.0/8 or ::1)",
                host);
        in6->sin6_port = htons((unsigned short)p);
    } else {
        return daemon_fail_msg(cause, "unsupported address '%s'", host);
    }
    return 0;
}

static int daemon_mkdirs(const char *dir, char **cause)
{
    char *p = x_strdup(dir), *s;

    for (s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) == -1 && errno != EEXIST) {
            daemon_fail_msg(cause, "cannot create %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    if (mkdir(dir, 0711) == -1 && errno != EEXIST)
        return daemon_fail_msg(cause, "cannot create the state dir %s: %s", dir,
                               strerror(errno));
    return 0;
}

/* As root: whether the postgres user can reach DIR; -1 with a fix. */
static int daemon_check_traverse(const char *dir, char **cause)
{
    struct passwd *pw = getpwnam("postgres");
    char *p, *s;
    int rc = 0;

    if (!pw)
        return daemon_fail_msg(cause, "running as root needs the postgres "
                                      "system user (install postgresql-15)");
    p = x_strdup(dir);
    for (s = p;; s++) {
        if (*s == '/' || *s == '\0') {
            char save = *s;
            struct stat sb;

            *s = '\0';
            if (stat(*p ? p : "/", &sb) == 0) {
                int ok = (sb.st_mode & S_IXOTH) ||
                         (sb.st_uid == pw->pw_uid && (sb.st_mode & S_IXUSR)) ||
                         (sb.st_gid == pw->pw_gid && (sb.st_mode & S_IXGRP));

                if (!ok) {
                    rc = daemon_fail_msg(
                        cause,
                        "the postgres user cannot traverse %s (mode %03o), "
                        "so PostgreSQL cannot reach the state dir %s: run "
                        "'chmod o+x %s' or choose another --state-dir",
                        *p ? p : "/", (unsigned)(sb.st_mode & 0777), dir,
                        *p ? p : "/");
                    break;
                }
            }
            *s = save;
            if (save == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

static int daemon_lock_pid(struct daemon_ctx *d, char **cause)
{
    char buf[32];
    ssize_t n;

    d->pid_path = x_asprintf("%s/platformd.pid", d->state_dir);
    d->pid_fd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (d->pid_fd < 0)
        return daemon_fail_msg(cause, "cannot open %s: %s", d->pid_path,
                               strerror(errno));
    if (flock(d->pid_fd, LOCK_EX | LOCK_NB) == -1) {
        n = pread(d->pid_fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        close(d->pid_fd);
        d->pid_fd = -1;
        return daemon_fail_msg(cause,
                               "another pgdeck-platformd is already running "
                               "on %s (pid %s)",
                               d->state_dir, *buf ? buf : "unknown");
    }
    return 0;
}

static void daemon_write_pid(struct daemon_ctx *d)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

    if (ftruncate(d->pid_fd, 0) == -1 ||
        pwrite(d->pid_fd, buf, (size_t)n, 0) != n)
        log_msg("cannot write the pid file: %s", strerror(errno));
}

static int daemon_token(struct daemon_ctx *d, char **cause)
{
    char *path = x_asprintf("%s/token", d->state_dir);
    char buf[512];
    FILE *f = fopen(path, "re");
    size_t i, n;

    if (f) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        for (i = 0; buf[i]; i++)
            if (!isxdigit((unsigned char)buf[i]))
                break;
        if (i >= 2 * DAEMON_TOKEN_BYTES && buf[i] == '\0') {
            d->token = x_strdup(buf);
            chmod(path, 0600);
            x_wipe(buf, sizeof buf);
            free(path);
            return 0;
        }
        log_msg("token file malformed: making a new token");
    }
    d->token = ids_hex(DAEMON_TOKEN_BYTES);
    {
        char *line = x_asprintf("%s\n", d->token);
        int rc = persist_write_file(path, line, strlen(line), 0600, cause);

        x_wipe(line, strlen(line));
        free(line);
        free(path);
        return rc;
    }
}

static int daemon_bind(struct daemon_ctx *d, const char *listen_spec,
                       char **cause)
{
    struct sockaddr_storage sa, got;
    socklen_t len, glen = sizeof got;
    char host[INET6_ADDRSTRLEN];
    int one = 1;

    if (daemon_parse_listen(listen_spec, &sa, &len, cause) == -1)
        return -1;
    d->listen_fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (d->listen_fd < 0)
        return daemon_fail_msg(cause, "socket: %s", strerror(errno));
    setsockopt(d->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(d->listen_fd, (struct sockaddr *)&sa, len) == -1)
        return daemon_fail_msg(cause, "cannot listen on %s: %s", listen_spec,
                               strerror(errno));
    if (listen(d->listen_fd, 128) == -1)
        return daemon_fail_msg(cause, "listen: %s", strerror(errno));
    getsockname(d->listen_fd, (struct sockaddr *)&got, &glen);
    if (got.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&got;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        d->url = x_asprintf("http://[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&got;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        d->url = x_asprintf("http://%s:%u", host, ntohs(in->sin_port));
    }
    return 0;
}

int daemon_prepare(const char *state_dir, const char *listen_spec,
                   struct daemon_ctx *d, char **cause)
{
    char *logp;
    char *real;

    memset(d, 0, sizeof *d);
    d->pid_fd = d->listen_fd = d->ready_fd = -1;
    if (state_dir[0] != '/')
        return daemon_fail_msg(cause, "--state-dir must be an absolute path");
    if (daemon_mkdirs(state_dir, cause) == -1)
        return -1;
    real = realpath(state_dir, NULL);
    d->state_dir = real ? real : x_strdup(state_dir);
    if (geteuid() == 0 && daemon_check_traverse(d->state_dir, cause) == -1)
        return -1;
    if (daemon_lock_pid(d, cause) == -1)
        return -1;
    logp = x_asprintf("%s/platformd.log", d->state_dir);
    if (log_open(logp, cause) == -1) {
        free(logp);
        return -1;
    }
    free(logp);
    if (daemon_token(d, cause) == -1 ||
        daemon_bind(d, listen_spec, cause) == -1)
        return -1;
    daemon_write_pid(d);
    return 0;
}

int daemon_detach(struct daemon_ctx *d, char **cause)
{
    int p[2];
    pid_t pid;
    char c;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) == -1)
        return daemon_fail_msg(cause, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return daemon_fail_msg(cause, "fork: %s", strerror(errno));
    if (pid > 0) {
        char msg[1024];
        size_t len = 0;

        close(p[1]);
        do {
            n = read(p[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1 && c == 'R')
            _exit(0);
        if (n == 1) {
            msg[len++] = c;
            while (len < sizeof msg - 1 &&
                   (n = read(p[0], msg + len, sizeof msg - 1 - len)) > 0)
                len += (size_t)n;
            msg[len] = '\0';
            fprintf(stderr, "pgdeck-platformd: %s\n", msg);
        } else {
            fprintf(stderr, "pgdeck-platformd: the daemon exited during "
                            "start; see the log in the state dir\n");
        }
        _exit(1);
    }
    close(p[0]);
    d->ready_fd = p[1];
    setsid();
    if (chdir("/") == -1)
        log_msg("chdir /: %s", strerror(errno));
    daemon_write_pid(d);
    return 0;
}

int daemon_write_url(struct daemon_ctx *d, char **cause)
{
    char *path = x_asprintf("%s/url", d->state_dir);
    char *line = x_asprintf("%s\n", d->url);
    int rc = persist_write_file(path, line, strlen(line), 0644, cause);

    free(path);
    free(line);
    return rc;
}

void daemon_ready(struct daemon_ctx *d)
{
    int fd;

    if (d->ready_fd < 0)
        return;
    if (write(d->ready_fd, "R", 1) != 1)
        log_msg("cannot tell the parent we are ready");
    close(d->ready_fd);
    d->ready_fd = -1;
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
}

void daemon_fail(struct daemon_ctx *d, const char *cause)
{
    if (d->ready_fd >= 0) {
        if (write(d->ready_fd, cause, strlen(cause)) < 0)
            log_msg("cannot report the failure to the parent");
        close(d->ready_fd);
        d->ready_fd = -1;
    } else {
        fprintf(stderr, "pgdeck-platformd: %s\n", cause);
    }
}

void daemon_cleanup(struct daemon_ctx *d)
{
    if (d->pid_path)
        unlink(d->pid_path);
    if (d->pid_fd >= 0)
        close(d->pid_fd);
    if (d->listen_fd >= 0)
        close(d->listen_fd);
    if (d->token) {
        x_wipe(d->token, strlen(d->token));
        free(d->token);
    }
    free(d->pid_path);
    free(d->url);
    free(d->state_dir);
    memset(d, 0, sizeof *d);
}
