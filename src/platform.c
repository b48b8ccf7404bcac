#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/context.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/paths.h"
#include "src/platform.h"
#include "src/xmalloc.h"

/*
 * One platform_ensure() is a small state machine on the loop:
 *
 *   PROBE    GET /v1/apps with the dir's url and token (no retries, short
 *            timeouts).  200: done.  No url file or no answer: START (with
 *            PLATFORM_AUTOSTART), else fail.
 *   START    fork + exec pgdeck-platformd; its stdout/stderr go to a pipe
 *            read on the loop; a timer polls waitpid(WNOHANG) every
 *            PLATFORM_POLL_MS (no SIGCHLD handler, so that nothing else in
 *            the console competes for that signal).  Exit 0: PROBE again,
 *            then done.  Exit non-zero: fail with what it printed.
 *   WAIT     a daemon's pid file is live but it does not answer yet (it is
 *            starting): PROBE again every PLATFORM_POLL_MS.
 *
 * A deadline timer bounds everything (PLATFORM_START_TIMEOUT_MS).
 */

#define PLATFORM_POLL_MS 100
#define PLATFORM_PROBE_TIMEOUT_MS 3000
#define PLATFORM_ERR_MAX 4096

enum platform_phase {
    PLATFORM_PROBE,
    PLATFORM_START,
    PLATFORM_WAIT,
    PLATFORM_DONE
};

struct platform {
    struct loop *loop;
    char *dir;
    int flags;
    platform_cb cb;
    void *arg;
    enum platform_phase phase;
    int started;
    int probes;
    int64_t t0;
    uint64_t deadline, poll;
    struct http *http;
    struct http_req *req;
    char *url;
    pid_t child;
    int errfd;
    struct buf errtext;
};

/* argv words and names that must be char * (execv, struct context). */
static char platform_opt_state[] = "--state-dir";
static char platform_opt_seed[] = "--seed";
static char platform_opt_demo[] = "demo";
static char platform_opt_listen[] = "--listen";
static char platform_opt_faults[] = "--enable-faults";
static char platform_local[] = "local";

static void platform_probe(struct platform *p);
static void platform_probe_done(const struct http_result *res, void *arg);
static void platform_finish(struct platform *p, const char *error);
static void platform_start(struct platform *p);
static void platform_poll(struct loop *l, uint64_t id, void *arg);
static void platform_probe_timer(struct loop *l, uint64_t id, void *arg);
static void platform_deadline(struct loop *l, uint64_t id, void *arg);
static void platform_on_err(struct loop *l, int fd, int events, void *arg);
static void platform_close_err(struct platform *p);
static char *platform_read_url(const char *dir);
static char *platform_abs_dir(const char *dir);
static void platform_child(const char *bin, char *const argv[], int out)
    __attribute__((noreturn));

/* DIR made absolute (the daemon insists on it). */
static char *platform_abs_dir(const char *dir)
{
    char cwd[4096];

    if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
        return x_strdup(dir);
    return x_asprintf("%s/%s", cwd, dir);
}

/* The first line of DIR/url, or NULL. */
static char *platform_read_url(const char *dir)
{
    char *path = x_asprintf("%s/url", dir);
    char line[512];
    FILE *f = fopen(path, "r");
    char *url = NULL;

    free(path);
    if (!f)
        return NULL;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            url = x_strdup(line);
    }
    fclose(f);
    return url;
}

long platform_pid(const char *dir)
{
    char *path = x_asprintf("%s/platformd.pid", dir);
    char line[64], *end;
    FILE *f = fopen(path, "r");
    long pid = 0;

    free(path);
    if (!f)
        return 0;
    if (fgets(line, sizeof line, f)) {
        errno = 0;
        pid = strtol(line, &end, 10);
        if (errno || end == line || (*end && *end != '\n') || pid <= 0)
            pid = 0;
    }
    fclose(f);
    if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno != EPERM)
        pid = 0;
    return pid;
}

int platform_find_binary(char **path, char **cause)
{
    const char *env = getenv("PGDECK_PLATFORMD");
    char self[4096], *dir, *cand;
    const char *pathvar, *p;
    ssize_t n;

    if (env && env[0]) {
        if (access(env, X_OK) == 0) {
            *path = x_strdup(env);
            return 0;
        }
        if (cause)
            *cause =
                x_asprintf("PGDECK_PLATFORMD=%s: %s", env, strerror(errno));
        return -1;
    }
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        dir = strrchr(self, '/');
        if (dir) {
            *dir = '\0';
            cand = x_asprintf("%s/pgdeck-platformd", self);
            if (access(cand, X_OK) == 0) {
                *path = cand;
                return 0;
            }
            free(cand);
            cand = x_asprintf("%s/../sbin/pgdeck-platformd", self);
            if (access(cand, X_OK) == 0) {
                *path = cand;
                return 0;
            }
            free(cand);
        }
    }
    pathvar = getenv("PATH");
    for (p = pathvar ? pathvar : ""; *p;) {
        size_t len = strcspn(p, ":");

        if (len > 0) {
            cand = x_asprintf("%.*s/pgdeck-platformd", (int)len, p);
            if (access(cand, X_OK) == 0) {
                *path = cand;
                return 0;
            }
            free(cand);
        }
        p += len;
        if (*p == ':')
            p++;
    }
    if (cause)
        *cause = x_strdup("pgdeck-platformd not found (next to pgdeck, in "
                          "$PATH, or $PGDECK_PLATFORMD)");
    return -1;
}

struct platform *platform_ensure(struct loop *l, const char *dir, int flags,
                                 platform_cb cb, void *arg)
{
    struct platform *p = x_calloc(1, sizeof *p);
    char *d = dir ? x_strdup(dir) : paths_platform_dir();

    p->loop = l;
    p->dir = platform_abs_dir(d);
    free(d);
    p->flags = flags;
    p->cb = cb;
    p->arg = arg;
    p->errfd = -1;
    p->child = -1;
    p->t0 = loop_now_ms();
    p->deadline =
        loop_timer_add(l, PLATFORM_START_TIMEOUT_MS, platform_deadline, p);
    platform_probe(p);
    return p;
}

static void platform_close_err(struct platform *p)
{
    if (p->errfd >= 0) {
        loop_del_fd(p->loop, p->errfd);
        close(p->errfd);
        p->errfd = -1;
    }
}

void platform_free(struct platform *p)
{
    if (!p)
        return;
    if (p->req)
        http_cancel(p->req);
    http_free(p->http);
    loop_timer_cancel(p->loop, p->deadline);
    loop_timer_cancel(p->loop, p->poll);
    platform_close_err(p);
    /* A child still starting keeps going; reap it if it is done. */
    if (p->child > 0)
        waitpid(p->child, NULL, WNOHANG);
    buf_free(&p->errtext);
    free(p->url);
    free(p->dir);
    free(p);
}

static void platform_finish(struct platform *p, const char *error)
{
    struct platform_result r;

    if (p->phase == PLATFORM_DONE)
        return;
    p->phase = PLATFORM_DONE;
    loop_timer_cancel(p->loop, p->deadline);
    p->deadline = 0;
    loop_timer_cancel(p->loop, p->poll);
    p->poll = 0;
    memset(&r, 0, sizeof r);
    r.ok = !error;
    r.started = p->started;
    r.url = r.ok && p->url ? p->url : "";
    r.dir = p->dir;
    r.error = error;
    r.elapsed_ms = loop_now_ms() - p->t0;
    log_msg("platform: %s %s%s%s", p->dir,
            r.ok ? "answers at " : "failed: ", r.ok ? r.url : error,
            p->started ? " (started)" : "");
    p->cb(&r, p->arg);
}

/* platform_http() with the path PREFIX (NULL: "/v1") and TIMEOUT_MS. */
static int platform_http_at(struct loop *l, const char *dir, const char *url,
                            const char *prefix, int64_t timeout_ms,
                            struct http **out, char **cause)
{
    struct context c;
    struct context_token tok;
    struct http_config cfg;
    int rc;

    memset(&c, 0, sizeof c);
    c.name = platform_local;
    c.token = SETTINGS_TOKEN_PLATFORM;
    c.token_arg = x_asprintf("%s/token", dir);
    rc = context_token_load(&c, &tok, cause);
    free(c.token_arg);
    if (rc != 0)
        return -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    cfg.token = tok.value;
    cfg.scheme = tok.scheme;
    cfg.retries = -1;
    cfg.connect_timeout_ms = 1000;
    cfg.timeout_ms = timeout_ms;
    cfg.prefix = prefix;
    rc = http_new(l, &cfg, out, cause);
    context_token_clear(&tok);
    return rc;
}

int platform_http(struct loop *l, const char *dir, const char *url,
                  struct http **out, char **cause)
{
    return platform_http_at(l, dir, url, NULL, PLATFORM_PROBE_TIMEOUT_MS, out,
                            cause);
}

int platform_http_admin(struct loop *l, const char *dir, const char *url,
                        struct http **out, char **cause)
{
    return platform_http_at(l, dir, url, "", PLATFORM_PROBE_TIMEOUT_MS, out,
                            cause);
}

/* GET /v1/apps with the dir's url and token. */
static void platform_probe(struct platform *p)
{
    char *cause = NULL;

    p->probes++;
    http_free(p->http);
    p->http = NULL;
    free(p->url);
    p->url = platform_read_url(p->dir);
    if (!p->url ||
        platform_http(p->loop, p->dir, p->url, &p->http, &cause) != 0) {
        /* No url or token file, or a url we cannot use: nothing answers.
         * Decide from the loop, never inside the call. */
        if (cause)
            log_msg("platform: %s: %s", p->dir, cause);
        free(cause);
        free(p->url);
        p->url = NULL;
        p->poll = loop_timer_add(p->loop, 0, platform_poll, p);
        return;
    }
    p->req =
        http_get(p->http, "/apps?org_slug=personal", platform_probe_done, p);
}

static void platform_probe_done(const struct http_result *res, void *arg)
{
    struct platform *p = arg;
    char *msg;

    p->req = NULL;
    if (res->status == 200) {
        platform_finish(p, NULL);
        return;
    }
    if (res->status != 0) {
        /* Something answers, but not as our daemon should (a wrong token,
         * another program on the port): starting another would not help. */
        msg = x_asprintf("%s answers, but: %s", p->url, res->error);
        platform_finish(p, msg);
        free(msg);
        return;
    }
    free(p->url);
    p->url = NULL;
    p->poll = loop_timer_add(p->loop, 0, platform_poll, p);
}

/* Decides what to do when the last probe found nothing, and watches a
 * child being started. */
static void platform_poll(struct loop *l, uint64_t id, void *arg)
{
    struct platform *p = arg;
    int status;
    pid_t w;
    char *msg;

    (void)id;
    p->poll = 0;
    if (p->child > 0) {
        do
            w = waitpid(p->child, &status, WNOHANG);
        while (w < 0 && errno == EINTR);
        if (w == 0) {
            p->poll = loop_timer_add(l, PLATFORM_POLL_MS, platform_poll, p);
            return;
        }
        p->child = -1;
        if (w > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            platform_close_err(p);
            p->started = 1;
            p->phase = PLATFORM_WAIT;
            platform_probe(p);
            return;
        }
        /* Collect what is left in the pipe: the reason. */
        if (p->errfd >= 0)
            platform_on_err(l, p->errfd, LOOP_READ, p);
        platform_close_err(p);
        while (p->errtext.len &&
               strchr("\r\n ", p->errtext.data[p->errtext.len - 1]))
            p->errtext.data[--p->errtext.len] = '\0';
        if (p->errtext.len)
            msg = x_strdup(buf_str(&p->errtext));
        else if (w > 0 && WIFSIGNALED(status))
            msg = x_asprintf("pgdeck-platformd was killed by signal %d",
                             WTERMSIG(status));
        else
            msg = x_asprintf("pgdeck-platformd exited with status %d",
                             w > 0 && WIFEXITED(status) ? WEXITSTATUS(status)
                                                        : -1);
        platform_finish(p, msg);
        free(msg);
        return;
    }
    if (p->started && platform_pid(p->dir) == 0) {
        msg = x_asprintf("pgdeck-platformd stopped right after its start; "
                         "see %s/platformd.log",
                         p->dir);
        platform_finish(p, msg);
        free(msg);
        return;
    }
    if (p->phase == PLATFORM_WAIT || platform_pid(p->dir) > 0) {
        /* Started (or starting, by someone else): ask again soon. */
        if (p->phase != PLATFORM_WAIT)
            log_msg("platform: a daemon runs in %s but does not answer yet",
                    p->dir);
        p->phase = PLATFORM_WAIT;
        p->poll = loop_timer_add(l, PLATFORM_POLL_MS, platform_probe_timer, p);
        return;
    }
    if (!(p->flags & PLATFORM_AUTOSTART)) {
        msg = x_asprintf("no pgdeck-platformd answers in %s (start it with "
                         "'pgdeck local up')",
                         p->dir);
        platform_finish(p, msg);
        free(msg);
        return;
    }
    platform_start(p);
}

static void platform_probe_timer(struct loop *l, uint64_t id, void *arg)
{
    struct platform *p = arg;

    (void)l;
    (void)id;
    p->poll = 0;
    platform_probe(p);
}

static void platform_deadline(struct loop *l, uint64_t id, void *arg)
{
    struct platform *p = arg;
    char *msg;

    (void)l;
    (void)id;
    p->deadline = 0;
    if (p->req) {
        http_cancel(p->req);
        p->req = NULL;
    }
    msg = x_asprintf("pgdeck-platformd did not answer within %d s (state "
                     "dir %s)",
                     PLATFORM_START_TIMEOUT_MS / 1000, p->dir);
    platform_finish(p, msg);
    free(msg);
}

/* The child's stdout and stderr: kept (bounded) for the failure message. */
static void platform_on_err(struct loop *l, int fd, int events, void *arg)
{
    struct platform *p = arg;
    char chunk[512];
    ssize_t n;

    (void)l;
    (void)events;
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (p->errtext.len < PLATFORM_ERR_MAX)
            buf_append(&p->errtext, chunk, (size_t)n);
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        platform_close_err(p);
}

/* Between fork and exec: only async-signal-safe calls. */
static void platform_child(const char *bin, char *const argv[], int out)
{
    static const int sigs[] = {SIGPIPE, SIGINT,   SIGTERM, SIGHUP,
                               SIGCHLD, SIGWINCH, SIGQUIT};
    sigset_t none;
    size_t i;
    int null = open("/dev/null", O_RDONLY);

    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(127);
    /* Nothing of the console (tty, sockets) leaks into the daemon. */
    if (close_range(3, ~0U, 0) != 0) {
        int fd;

        for (fd = 3; fd < 1024; fd++)
            close(fd);
    }
    execv(bin, argv);
    _exit(127);
}

static void platform_start(struct platform *p)
{
    char *bin = NULL, *cause = NULL, *state, *argv[9];
    char *listen = getenv("PGDECK_PLATFORMD_LISTEN");
    struct stat st;
    int pipefd[2] = {-1, -1}, seed, n = 0;
    pid_t pid;

    if (platform_find_binary(&bin, &cause) != 0) {
        platform_finish(p, cause);
        free(cause);
        return;
    }
    state = x_asprintf("%s/state.json", p->dir);
    seed = (p->flags & PLATFORM_SEED) || stat(state, &st) != 0;
    free(state);
    argv[n++] = bin;
    argv[n++] = platform_opt_state;
    argv[n++] = p->dir;
    if (seed) {
        argv[n++] = platform_opt_seed;
        argv[n++] = platform_opt_demo;
    }
    if (listen && listen[0]) {
        argv[n++] = platform_opt_listen;
        argv[n++] = listen;
    }
    if (p->flags & PLATFORM_FAULTS)
        argv[n++] = platform_opt_faults;
    argv[n] = NULL;
    if (pipe2(pipefd, O_CLOEXEC) != 0 ||
        fcntl(pipefd[0], F_SETFL, O_NONBLOCK) != 0) {
        cause = x_asprintf("pipe: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        platform_finish(p, cause);
        free(cause);
        free(bin);
        return;
    }
    log_msg("platform: starting %s --state-dir %s%s%s", bin, p->dir,
            seed ? " --seed demo" : "",
            p->flags & PLATFORM_FAULTS ? " --enable-faults" : "");
    pid = fork();
    if (pid < 0) {
        cause = x_asprintf("fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        platform_finish(p, cause);
        free(cause);
        free(bin);
        return;
    }
    if (pid == 0)
        platform_child(bin, argv, pipefd[1]);
    free(bin);
    close(pipefd[1]);
    p->child = pid;
    p->phase = PLATFORM_START;
    p->errfd = pipefd[0];
    loop_add_fd(p->loop, p->errfd, LOOP_READ, platform_on_err, p);
    p->poll = loop_timer_add(p->loop, PLATFORM_POLL_MS, platform_poll, p);
}
