#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/log.h"
#include "src/loop.h"
#include "src/xmalloc.h"

/*
 * The loop keeps its fds and timers in plain arrays: the console has tens
 * of fds and at most a few hundred timers, so a linear scan per turn costs
 * less than the poll() it precedes.  Callbacks may change both arrays while
 * the loop walks them, so every walk works on a snapshot of ids and looks
 * each one up again before calling it.
 */

/* The longest single wait when no timer is set (curl_multi_poll takes an
 * int; libcurl shortens it for its own timeouts anyway). */
#define LOOP_WAIT_MAX_MS (60 * 60 * 1000)
/* Signals 1..LOOP_NSIG-1 can be routed. */
#define LOOP_NSIG 65

struct loop_fd {
    int fd;
    int events;
    uint64_t gen; /* changes when the fd is deleted and added again */
    loop_fd_cb cb;
    void *arg;
};

struct loop_timer {
    uint64_t id;
    int64_t due; /* loop_now_ms() */
    loop_timer_cb cb;
    void *arg;
};

struct loop_hook {
    uint64_t id;
    loop_hook_cb cb;
    void *arg;
};

struct loop_signal {
    loop_signal_cb cb;
    void *arg;
    int installed;
    struct sigaction old;
};

struct loop {
    CURLM *multi;
    int sigpipe[2];

    struct loop_fd *fds;
    size_t nfds, capfds;
    uint64_t fd_gen;

    struct loop_timer *timers;
    size_t ntimers, captimers;
    uint64_t timer_id;

    struct loop_hook *hooks;
    size_t nhooks, caphooks;
    uint64_t hook_id;

    struct loop_signal signals[LOOP_NSIG];

    loop_hook_cb before_sleep;
    void *before_sleep_arg;

    struct curl_waitfd *waitfds;
    struct pollfd *pollfds;
    size_t capwait;

    int stop;         /* loop_stop() since the last loop_run() began */
    int stop_pending; /* loop_stop() since the last loop_run() ended */
    uint64_t turns;
};

/* The write end of the self-pipe of the loop that routes signals.  Only
 * the handler reads it; one loop per process routes signals. */
static volatile sig_atomic_t loop_sigfd = -1;

static void loop_handler(int signo);
static struct loop_fd *loop_fd_find(struct loop *l, int fd);
static void loop_fd_remove(struct loop *l, int fd);
static int64_t loop_wait_ms(const struct loop *l, int64_t max_wait_ms);
static void loop_reserve_wait(struct loop *l);
static size_t loop_fill_waitfds(struct loop *l);
static void loop_run_signals(struct loop *l);
static void loop_run_hooks(struct loop *l);
static void loop_run_fds(struct loop *l);
static void loop_run_timers(struct loop *l);
static int loop_timer_index(const struct loop *l, uint64_t id, size_t *at);

static void loop_handler(int signo)
{
    int saved = errno;
    unsigned char c = (unsigned char)signo;
    int fd = loop_sigfd;

    /* A full pipe just loses the byte: the loop is awake anyway. */
    if (fd >= 0 && write(fd, &c, 1) < 0) {
        /* nothing to do in a handler */
    }
    errno = saved;
}

int64_t loop_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        fatal("clock_gettime");
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
    struct loop *l = x_calloc(1, sizeof *l);

    l->multi = curl_multi_init();
    if (!l->multi)
        fatalx("curl_multi_init failed");
    if (pipe2(l->sigpipe, O_NONBLOCK | O_CLOEXEC) != 0)
        fatal("pipe2");
    return l;
}

void loop_free(struct loop *l)
{
    int sig;

    if (!l)
        return;
    for (sig = 1; sig < LOOP_NSIG; sig++) {
        if (l->signals[sig].installed)
            sigaction(sig, &l->signals[sig].old, NULL);
    }
    if (loop_sigfd == l->sigpipe[1])
        loop_sigfd = -1;
    close(l->sigpipe[0]);
    close(l->sigpipe[1]);
    curl_multi_cleanup(l->multi);
    free(l->fds);
    free(l->timers);
    free(l->hooks);
    free(l->waitfds);
    free(l->pollfds);
    free(l);
}

static struct loop_fd *loop_fd_find(struct loop *l, int fd)
{
    size_t i;

    for (i = 0; i < l->nfds; i++) {
        if (l->fds[i].fd == fd)
            return &l->fds[i];
    }
    return NULL;
}

int loop_add_fd(struct loop *l, int fd, int events, loop_fd_cb cb, void *arg)
{
    struct loop_fd *f;

    if (fd < 0)
        return -1;
    f = loop_fd_find(l, fd);
    if (!f) {
        if (l->nfds == l->capfds) {
            l->capfds = l->capfds ? l->capfds * 2 : 16;
            l->fds = x_reallocarray(l->fds, l->capfds, sizeof *l->fds);
        }
        f = &l->fds[l->nfds++];
        f->fd = fd;
        f->gen = ++l->fd_gen;
    }
    f->events = events & (LOOP_READ | LOOP_WRITE);
    f->cb = cb;
    f->arg = arg;
    return 0;
}

int loop_mod_fd(struct loop *l, int fd, int events)
{
    struct loop_fd *f = loop_fd_find(l, fd);

    if (!f)
        return -1;
    f->events = events & (LOOP_READ | LOOP_WRITE);
    return 0;
}

static void loop_fd_remove(struct loop *l, int fd)
{
    size_t i;

    for (i = 0; i < l->nfds; i++) {
        if (l->fds[i].fd == fd) {
            l->fds[i] = l->fds[l->nfds - 1];
            l->nfds--;
            return;
        }
    }
}

void loop_del_fd(struct loop *l, int fd)
{
    loop_fd_remove(l, fd);
}

uint64_t loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_cb cb,
                        void *arg)
{
    struct loop_timer *t;

    if (delay_ms < 0)
        delay_ms = 0;
    if (l->ntimers == l->captimers) {
        l->captimers = l->captimers ? l->captimers * 2 : 16;
        l->timers = x_reallocarray(l->timers, l->captimers, sizeof *l->timers);
    }
    t = &l->timers[l->ntimers++];
    t->id = ++l->timer_id;
    t->due = loop_now_ms() + delay_ms;
    t->cb = cb;
    t->arg = arg;
    return t->id;
}

static int loop_timer_index(const struct loop *l, uint64_t id, size_t *at)
{
    size_t i;

    if (id == 0)
        return -1;
    for (i = 0; i < l->ntimers; i++) {
        if (l->timers[i].id == id) {
            *at = i;
            return 0;
        }
    }
    return -1;
}

int loop_timer_cancel(struct loop *l, uint64_t id)
{
    size_t i;

    if (loop_timer_index(l, id, &i) != 0)
        return -1;
    l->timers[i] = l->timers[l->ntimers - 1];
    l->ntimers--;
    return 0;
}

int64_t loop_timer_remaining(const struct loop *l, uint64_t id)
{
    size_t i;
    int64_t left;

    if (loop_timer_index(l, id, &i) != 0)
        return -1;
    left = l->timers[i].due - loop_now_ms();
    return left > 0 ? left : 0;
}

int loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg,
                   char **cause)
{
    struct loop_signal *s;
    struct sigaction sa;

    if (signo <= 0 || signo >= LOOP_NSIG || signo == SIGKILL ||
        signo == SIGSTOP) {
        if (cause)
            *cause = x_asprintf("signal %d cannot be handled", signo);
        return -1;
    }
    s = &l->signals[signo];
    if (!cb) {
        if (s->installed)
            sigaction(signo, &s->old, NULL);
        s->installed = 0;
        s->cb = NULL;
        s->arg = NULL;
        return 0;
    }
    loop_sigfd = l->sigpipe[1];
    s->cb = cb;
    s->arg = arg;
    if (!s->installed) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = loop_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (signo == SIGCHLD)
            sa.sa_flags |= SA_NOCLDSTOP;
        if (sigaction(signo, &sa, &s->old) != 0) {
            if (cause)
                *cause = x_asprintf("signal %d: %s", signo, strerror(errno));
            return -1;
        }
        s->installed = 1;
    }
    return 0;
}

void loop_set_before_sleep(struct loop *l, loop_hook_cb cb, void *arg)
{
    l->before_sleep = cb;
    l->before_sleep_arg = arg;
}

uint64_t loop_add_poll_hook(struct loop *l, loop_hook_cb cb, void *arg)
{
    struct loop_hook *h;

    if (l->nhooks == l->caphooks) {
        l->caphooks = l->caphooks ? l->caphooks * 2 : 4;
        l->hooks = x_reallocarray(l->hooks, l->caphooks, sizeof *l->hooks);
    }
    h = &l->hooks[l->nhooks++];
    h->id = ++l->hook_id;
    h->cb = cb;
    h->arg = arg;
    return h->id;
}

void loop_del_poll_hook(struct loop *l, uint64_t id)
{
    size_t i;

    for (i = 0; i < l->nhooks; i++) {
        if (l->hooks[i].id == id) {
            memmove(&l->hooks[i], &l->hooks[i + 1],
                    (l->nhooks - i - 1) * sizeof *l->hooks);
            l->nhooks--;
            return;
        }
    }
}

/* How long this turn may wait: until the nearest timer, at most
 * MAX_WAIT_MS when that is not negative. */
static int64_t loop_wait_ms(const struct loop *l, int64_t max_wait_ms)
{
    int64_t wait = LOOP_WAIT_MAX_MS, now;
    size_t i;

    if (l->stop)
        return 0;
    if (max_wait_ms >= 0 && max_wait_ms < wait)
        wait = max_wait_ms;
    if (l->ntimers == 0)
        return wait;
    now = loop_now_ms();
    for (i = 0; i < l->ntimers; i++) {
        int64_t left = l->timers[i].due - now;

        if (left < wait)
            wait = left < 0 ? 0 : left;
    }
    return wait;
}

/* Room in waitfds and pollfds for the signal pipe and every fd.  Called
 * again before the fds are polled: callbacks earlier in the turn may have
 * added fds. */
static void loop_reserve_wait(struct loop *l)
{
    if (l->capwait < l->nfds + 1) {
        l->capwait = l->nfds + 16;
        l->waitfds = x_reallocarray(l->waitfds, l->capwait, sizeof *l->waitfds);
        l->pollfds = x_reallocarray(l->pollfds, l->capwait, sizeof *l->pollfds);
    }
}

/* The extra fds of curl_multi_poll(): the signal pipe, then every fd that
 * wants events.  Returns how many. */
static size_t loop_fill_waitfds(struct loop *l)
{
    size_t i, n = 0;

    loop_reserve_wait(l);
    l->waitfds[n].fd = l->sigpipe[0];
    l->waitfds[n].events = CURL_WAIT_POLLIN;
    l->waitfds[n].revents = 0;
    n++;
    for (i = 0; i < l->nfds; i++) {
        const struct loop_fd *f = &l->fds[i];

        if (!f->events)
            continue;
        l->waitfds[n].fd = f->fd;
        l->waitfds[n].events = 0;
        if (f->events & LOOP_READ)
            l->waitfds[n].events |= CURL_WAIT_POLLIN;
        if (f->events & LOOP_WRITE)
            l->waitfds[n].events |= CURL_WAIT_POLLOUT;
        l->waitfds[n].revents = 0;
        n++;
    }
    return n;
}

static void loop_run_signals(struct loop *l)
{
    unsigned char bytes[64];
    char seen[LOOP_NSIG];
    ssize_t got;
    int sig;

    memset(seen, 0, sizeof seen);
    for (;;) {
        ssize_t i;

        got = read(l->sigpipe[0], bytes, sizeof bytes);
        if (got <= 0)
            break;
        for (i = 0; i < got; i++) {
            if (bytes[i] > 0 && bytes[i] < LOOP_NSIG)
                seen[bytes[i]] = 1;
        }
    }
    for (sig = 1; sig < LOOP_NSIG; sig++) {
        if (seen[sig] && l->signals[sig].cb)
            l->signals[sig].cb(l, sig, l->signals[sig].arg);
    }
}

static void loop_run_hooks(struct loop *l)
{
    uint64_t ids[16], *v = ids;
    size_t n = l->nhooks, i, j;

    if (n == 0)
        return;
    if (n > 16)
        v = x_calloc(n, sizeof *v);
    for (i = 0; i < n; i++)
        v[i] = l->hooks[i].id;
    for (i = 0; i < n; i++) {
        for (j = 0; j < l->nhooks; j++) {
            if (l->hooks[j].id == v[i]) {
                l->hooks[j].cb(l, l->hooks[j].arg);
                break;
            }
        }
    }
    if (v != ids)
        free(v);
}

/*
 * curl_multi_poll() does not pass POLLHUP/POLLERR of the extra fds on, so
 * the loop asks poll() itself, without waiting, which fds are ready.
 */
static void loop_run_fds(struct loop *l)
{
    uint64_t *gens;
    size_t n = 0, i;
    int rc;

    if (l->nfds == 0)
        return;
    loop_reserve_wait(l);
    gens = x_calloc(l->nfds, sizeof *gens);
    for (i = 0; i < l->nfds; i++) {
        if (!l->fds[i].events)
            continue;
        l->pollfds[n].fd = l->fds[i].fd;
        l->pollfds[n].events = 0;
        if (l->fds[i].events & LOOP_READ)
            l->pollfds[n].events |= POLLIN;
        if (l->fds[i].events & LOOP_WRITE)
            l->pollfds[n].events |= POLLOUT;
        l->pollfds[n].revents = 0;
        gens[n] = l->fds[i].gen;
        n++;
    }
    do
        rc = n ? poll(l->pollfds, n, 0) : 0;
    while (rc < 0 && errno == EINTR);
    for (i = 0; rc > 0 && i < n; i++) {
        short re = l->pollfds[i].revents;
        struct loop_fd *f;
        int ev = 0;

        if (!re)
            continue;
        f = loop_fd_find(l, l->pollfds[i].fd);
        if (!f || f->gen != gens[i])
            continue; /* removed (or replaced) by an earlier callback */
        if ((re & POLLIN) && (f->events & LOOP_READ))
            ev |= LOOP_READ;
        if ((re & POLLOUT) && (f->events & LOOP_WRITE))
            ev |= LOOP_WRITE;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            ev |= LOOP_ERROR;
        if (!ev)
            continue;
        if (re & POLLNVAL) {
            loop_fd_cb cb = f->cb;
            void *arg = f->arg;

            log_msg("loop: fd %d closed while registered", f->fd);
            loop_fd_remove(l, l->pollfds[i].fd);
            cb(l, l->pollfds[i].fd, ev, arg);
            continue;
        }
        f->cb(l, f->fd, ev, f->arg);
    }
    free(gens);
}

static int loop_timer_cmp(const void *a, const void *b)
{
    const struct loop_timer *x = a, *y = b;

    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

static void loop_run_timers(struct loop *l)
{
    struct loop_timer *due;
    size_t n = 0, i, at;
    int64_t now = loop_now_ms();

    if (l->ntimers == 0)
        return;
    due = x_calloc(l->ntimers, sizeof *due);
    for (i = 0; i < l->ntimers; i++) {
        if (l->timers[i].due <= now)
            due[n++] = l->timers[i];
    }
    qsort(due, n, sizeof *due, loop_timer_cmp);
    for (i = 0; i < n; i++) {
        if (loop_timer_index(l, due[i].id, &at) != 0)
            continue; /* cancelled by an earlier callback */
        l->timers[at] = l->timers[l->ntimers - 1];
        l->ntimers--;
        due[i].cb(l, due[i].id, due[i].arg);
    }
    free(due);
}

int loop_turn(struct loop *l, int64_t max_wait_ms, char **cause)
{
    CURLMcode mc;
    size_t n;
    int running = 0, wait;

    if (l->before_sleep)
        l->before_sleep(l, l->before_sleep_arg);
    wait = (int)loop_wait_ms(l, max_wait_ms);
    n = loop_fill_waitfds(l);
    mc = curl_multi_poll(l->multi, l->waitfds, (unsigned)n, wait, NULL);
    if (mc != CURLM_OK) {
        if (cause)
            *cause = x_asprintf("event loop: %s", curl_multi_strerror(mc));
        return -1;
    }
    loop_run_signals(l);
    mc = curl_multi_perform(l->multi, &running);
    if (mc != CURLM_OK && mc != CURLM_CALL_MULTI_PERFORM)
        log_msg("loop: curl_multi_perform: %s", curl_multi_strerror(mc));
    loop_run_hooks(l);
    loop_run_fds(l);
    loop_run_timers(l);
    l->turns++;
    return 0;
}

int loop_run(struct loop *l, char **cause)
{
    /* Only a stop asked for after the previous run ended counts as "stop
     * before run": the stop that ended a run does not cut the next one. */
    int was_stopped = l->stop_pending;

    l->stop = 0;
    l->stop_pending = 0;
    if (was_stopped) {
        int rc = loop_turn(l, 0, cause);

        l->stop = 1;
        l->stop_pending = 0;
        return rc;
    }
    while (!l->stop) {
        if (loop_turn(l, -1, cause) != 0) {
            l->stop_pending = 0;
            return -1;
        }
    }
    l->stop_pending = 0;
    return 0;
}

void loop_stop(struct loop *l)
{
    l->stop = 1;
    l->stop_pending = 1;
    curl_multi_wakeup(l->multi);
}

int loop_stopped(const struct loop *l)
{
    return l->stop;
}

uint64_t loop_turns(const struct loop *l)
{
    return l->turns;
}

void *loop_curl_multi(struct loop *l)
{
    return l->multi;
}
