#include "config.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/loop.h"
#include "src/xmalloc.h"

#include "tests/unit/unit.h"

/* Runs turns until *DONE or DEADLINE_MS pass; returns the turns taken. */
static int run_until(struct loop *l, const int *done, int64_t deadline_ms)
{
    int64_t end = loop_now_ms() + deadline_ms;
    int turns = 0;

    while (!*done && loop_now_ms() < end) {
        ck_assert_int_eq(loop_turn(l, 50, NULL), 0);
        turns++;
    }
    return turns;
}

/* ---- timers ---- */

struct order {
    int seen[8];
    int n;
};

static void timer_record(struct loop *l, uint64_t id, void *arg)
{
    struct order *o = arg;

    (void)l;
    o->seen[o->n++] = (int)id;
}

START_TEST(test_timer_order_and_cancel)
{
    struct loop *l = loop_new();
    struct order o;
    uint64_t a, b, c, d;

    memset(&o, 0, sizeof o);
    c = loop_timer_add(l, 30, timer_record, &o);
    a = loop_timer_add(l, 10, timer_record, &o);
    b = loop_timer_add(l, 20, timer_record, &o);
    d = loop_timer_add(l, 25, timer_record, &o);
    ck_assert_uint_ne(a, 0);
    ck_assert_int_eq(loop_timer_cancel(l, d), 0);
    ck_assert_int_eq(loop_timer_cancel(l, d), -1);
    ck_assert_int_eq(loop_timer_cancel(l, 0), -1);
    ck_assert_int_le(loop_timer_remaining(l, c), 30);
    ck_assert_int_ge(loop_timer_remaining(l, c), 0);
    while (o.n < 3)
        ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(o.seen[0], (int)a);
    ck_assert_int_eq(o.seen[1], (int)b);
    ck_assert_int_eq(o.seen[2], (int)c);
    ck_assert_int_eq(loop_timer_remaining(l, c), -1);
    loop_free(l);
}
END_TEST

/* A turn waits no longer than the nearest timer, and no less. */
START_TEST(test_timer_wait_is_bounded)
{
    struct loop *l = loop_new();
    struct order o;
    int64_t t0, dt;

    memset(&o, 0, sizeof o);
    loop_timer_add(l, 60, timer_record, &o);
    t0 = loop_now_ms();
    while (o.n == 0)
        ck_assert_int_eq(loop_turn(l, -1, NULL), 0);
    dt = loop_now_ms() - t0;
    ck_assert_int_ge(dt, 60);
    ck_assert_int_lt(dt, 1000);
    /* MAX_WAIT bounds a turn without timers. */
    t0 = loop_now_ms();
    ck_assert_int_eq(loop_turn(l, 40, NULL), 0);
    dt = loop_now_ms() - t0;
    ck_assert_int_ge(dt, 35);
    ck_assert_int_lt(dt, 1000);
    loop_free(l);
}
END_TEST

static void timer_rearm(struct loop *l, uint64_t id, void *arg)
{
    int *count = arg;

    (void)id;
    if (++*count < 5)
        loop_timer_add(l, 0, timer_rearm, count);
}

/* A 0 ms timer added from a timer runs in the next turn, without a wait. */
START_TEST(test_timer_zero_rearm)
{
    struct loop *l = loop_new();
    int count = 0;
    int64_t t0 = loop_now_ms();

    loop_timer_add(l, 0, timer_rearm, &count);
    while (count < 5)
        ck_assert_int_eq(loop_turn(l, 5000, NULL), 0);
    ck_assert_int_lt(loop_now_ms() - t0, 1000);
    ck_assert_uint_eq(loop_turns(l), 5);
    loop_free(l);
}
END_TEST

struct cancel_pair {
    uint64_t other;
    int fired_other;
};

static void timer_cancel_other(struct loop *l, uint64_t id, void *arg)
{
    struct cancel_pair *p = arg;

    (void)id;
    ck_assert_int_eq(loop_timer_cancel(l, p->other), 0);
}

static void timer_mark(struct loop *l, uint64_t id, void *arg)
{
    struct cancel_pair *p = arg;

    (void)l;
    (void)id;
    p->fired_other = 1;
}

/* A due timer cancelled by an earlier one in the same turn does not run. */
START_TEST(test_timer_cancel_in_same_turn)
{
    struct loop *l = loop_new();
    struct cancel_pair p = {0, 0};

    loop_timer_add(l, 0, timer_cancel_other, &p);
    p.other = loop_timer_add(l, 0, timer_mark, &p);
    ck_assert_int_eq(loop_turn(l, 0, NULL), 0);
    ck_assert_int_eq(p.fired_other, 0);
    loop_free(l);
}
END_TEST

/* ---- fds ---- */

struct fdrec {
    int calls;
    int events;
    int other_fd; /* deleted from the callback when >= 0 */
    char got;
};

static void fd_read(struct loop *l, int fd, int events, void *arg)
{
    struct fdrec *r = arg;

    r->calls++;
    r->events |= events;
    if (events & LOOP_READ) {
        if (read(fd, &r->got, 1) != 1)
            r->got = 0;
    }
    if (events & LOOP_ERROR)
        loop_del_fd(l, fd);
    if (r->other_fd >= 0)
        loop_del_fd(l, r->other_fd);
}

START_TEST(test_fd_read_and_error)
{
    struct loop *l = loop_new();
    struct fdrec r = {0, 0, -1, 0};
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(loop_add_fd(l, p[0], LOOP_READ, fd_read, &r), 0);
    ck_assert_int_eq(loop_add_fd(l, -1, LOOP_READ, fd_read, &r), -1);
    ck_assert_int_eq(loop_turn(l, 0, NULL), 0);
    ck_assert_int_eq(r.calls, 0);
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.events, LOOP_READ);
    ck_assert_int_eq(r.got, 'x');
    /* Not watched (events 0): no callback. */
    ck_assert_int_eq(loop_mod_fd(l, p[0], 0), 0);
    ck_assert_int_eq(write(p[1], "y", 1), 1);
    ck_assert_int_eq(loop_turn(l, 20, NULL), 0);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(loop_mod_fd(l, p[0], LOOP_READ), 0);
    ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(r.calls, 2);
    ck_assert_int_eq(r.got, 'y');
    /* The other end closes: LOOP_ERROR (POLLHUP), and the callback
     * unregisters, so the loop waits again afterwards. */
    close(p[1]);
    r.events = 0;
    ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(r.calls, 3);
    ck_assert(r.events & LOOP_ERROR);
    ck_assert_int_eq(loop_mod_fd(l, p[0], LOOP_READ), -1);
    close(p[0]);
    loop_free(l);
}
END_TEST

/* Deleting another ready fd from a callback stops its callback. */
START_TEST(test_fd_delete_other_in_callback)
{
    struct loop *l = loop_new();
    struct fdrec a = {0, 0, -1, 0}, b = {0, 0, -1, 0};
    int p[2], q[2];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(pipe(q), 0);
    a.other_fd = q[0];
    b.other_fd = p[0];
    loop_add_fd(l, p[0], LOOP_READ, fd_read, &a);
    loop_add_fd(l, q[0], LOOP_READ, fd_read, &b);
    ck_assert_int_eq(write(p[1], "a", 1), 1);
    ck_assert_int_eq(write(q[1], "b", 1), 1);
    ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(a.calls + b.calls, 1);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    loop_free(l);
}
END_TEST

/* Closing a registered fd: reported once (LOOP_ERROR), then forgotten. */
START_TEST(test_fd_closed_while_registered)
{
    struct loop *l = loop_new();
    struct fdrec r = {0, 0, -1, 0};
    int p[2], i;

    ck_assert_int_eq(pipe(p), 0);
    loop_add_fd(l, p[0], LOOP_READ, fd_read, &r);
    close(p[0]);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(loop_turn(l, 10, NULL), 0);
    ck_assert_int_eq(r.calls, 1);
    ck_assert(r.events & LOOP_ERROR);
    ck_assert_int_eq(loop_mod_fd(l, p[0], LOOP_READ), -1);
    close(p[1]);
    loop_free(l);
}
END_TEST

static void fd_write(struct loop *l, int fd, int events, void *arg)
{
    struct fdrec *r = arg;

    (void)fd;
    r->calls++;
    r->events |= events;
    loop_mod_fd(l, fd, 0);
}

START_TEST(test_fd_writable)
{
    struct loop *l = loop_new();
    struct fdrec r = {0, 0, -1, 0};
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    loop_add_fd(l, p[1], LOOP_WRITE, fd_write, &r);
    ck_assert_int_eq(loop_turn(l, 1000, NULL), 0);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_eq(r.events, LOOP_WRITE);
    loop_del_fd(l, p[1]);
    loop_del_fd(l, p[1]);
    close(p[0]);
    close(p[1]);
    loop_free(l);
}
END_TEST

/* ---- signals, hooks, run/stop ---- */

static void on_signal(struct loop *l, int signo, void *arg)
{
    int *got = arg;

    (void)l;
    *got = signo;
}

START_TEST(test_signal_self_pipe)
{
    struct loop *l = loop_new();
    int got = 0, done;
    char *cause = NULL;

    ck_assert_int_eq(loop_on_signal(l, SIGUSR1, on_signal, &got, NULL), 0);
    ck_assert_int_eq(raise(SIGUSR1), 0);
    done = 0;
    while (!got && done++ < 100)
        ck_assert_int_eq(loop_turn(l, 100, NULL), 0);
    ck_assert_int_eq(got, SIGUSR1);
    ck_assert_int_eq(loop_on_signal(l, SIGKILL, on_signal, &got, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    free(cause);
    ck_assert_int_eq(loop_on_signal(l, 0, on_signal, &got, NULL), -1);
    /* Restore the default, then free (restores again: harmless). */
    ck_assert_int_eq(loop_on_signal(l, SIGUSR1, NULL, NULL, NULL), 0);
    loop_free(l);
}
END_TEST

/* A signal wakes a loop that waits with no timer at all. */
static void send_usr2(struct loop *l, uint64_t id, void *arg)
{
    (void)l;
    (void)id;
    (void)arg;
    kill(getpid(), SIGUSR2);
}

START_TEST(test_signal_wakes_wait)
{
    struct loop *l = loop_new();
    int got = 0;
    int64_t t0;

    loop_on_signal(l, SIGUSR2, on_signal, &got, NULL);
    loop_timer_add(l, 0, send_usr2, NULL);
    t0 = loop_now_ms();
    while (!got)
        ck_assert_int_eq(loop_turn(l, 5000, NULL), 0);
    ck_assert_int_lt(loop_now_ms() - t0, 2000);
    loop_free(l);
}
END_TEST

struct hooks {
    int before, poll;
    uint64_t poll_id;
};

static void hook_before(struct loop *l, void *arg)
{
    struct hooks *h = arg;

    (void)l;
    h->before++;
}

static void hook_poll(struct loop *l, void *arg)
{
    struct hooks *h = arg;

    h->poll++;
    if (h->poll == 3)
        loop_del_poll_hook(l, h->poll_id);
}

static void stop_after(struct loop *l, uint64_t id, void *arg)
{
    int *n = arg;

    (void)id;
    if (--*n == 0)
        loop_stop(l);
    else
        loop_timer_add(l, 1, stop_after, n);
}

START_TEST(test_hooks_and_run)
{
    struct loop *l = loop_new();
    struct hooks h = {0, 0, 0};
    int n = 6;

    loop_set_before_sleep(l, hook_before, &h);
    h.poll_id = loop_add_poll_hook(l, hook_poll, &h);
    ck_assert_uint_ne(h.poll_id, 0);
    loop_timer_add(l, 1, stop_after, &n);
    ck_assert_int_eq(loop_run(l, NULL), 0);
    ck_assert_int_eq(n, 0);
    ck_assert(loop_stopped(l));
    /* Once per turn, before the wait. */
    ck_assert_uint_eq((uint64_t)h.before, loop_turns(l));
    ck_assert_int_eq(h.poll, 3);
    loop_set_before_sleep(l, NULL, NULL);
    /* Stopped before run: exactly one turn. */
    loop_stop(l);
    h.before = 0;
    ck_assert_int_eq(loop_run(l, NULL), 0);
    ck_assert_int_eq(h.before, 0);
    /* A run after a run that was stopped goes on until its own stop. */
    n = 4;
    loop_timer_add(l, 1, stop_after, &n);
    ck_assert_int_eq(loop_run(l, NULL), 0);
    ck_assert_int_eq(n, 0);
    n = 3;
    loop_timer_add(l, 1, stop_after, &n);
    ck_assert_int_eq(loop_run(l, NULL), 0);
    ck_assert_int_eq(n, 0);
    loop_free(l);
}
END_TEST

struct many {
    int fds[40][2];
    int added;
    int calls;
};

static void many_read(struct loop *l, int fd, int events, void *arg)
{
    struct many *m = arg;
    char c;

    (void)l;
    if ((events & LOOP_READ) && read(fd, &c, 1) == 1)
        m->calls++;
}

static void many_add(struct loop *l, void *arg)
{
    struct many *m = arg;
    int i;

    if (m->added)
        return;
    m->added = 1;
    for (i = 0; i < 40; i++)
        loop_add_fd(l, m->fds[i][0], LOOP_READ, many_read, m);
}

/* Fds added by a hook earlier in the turn are served in the same turn
 * (the poll arrays grow with them). */
START_TEST(test_fds_added_mid_turn)
{
    struct loop *l = loop_new();
    struct many m;
    int i;

    memset(&m, 0, sizeof m);
    for (i = 0; i < 40; i++) {
        ck_assert_int_eq(pipe(m.fds[i]), 0);
        ck_assert_int_eq(write(m.fds[i][1], "z", 1), 1);
    }
    loop_add_poll_hook(l, many_add, &m);
    ck_assert_int_eq(loop_turn(l, 0, NULL), 0);
    ck_assert_int_eq(m.calls, 40);
    for (i = 0; i < 40; i++) {
        loop_del_fd(l, m.fds[i][0]);
        close(m.fds[i][0]);
        close(m.fds[i][1]);
    }
    loop_free(l);
}
END_TEST

static void count_tick(struct loop *l, uint64_t id, void *arg)
{
    int *ticks = arg;

    (void)id;
    (*ticks)++;
    loop_timer_add(l, 10, count_tick, ticks);
}

/* The curl multi handle is usable: the loop turns while nothing runs. */
START_TEST(test_multi_available)
{
    struct loop *l = loop_new();
    int ticks = 0, never = 0;

    ck_assert_ptr_nonnull(loop_curl_multi(l));
    loop_timer_add(l, 10, count_tick, &ticks);
    run_until(l, &never, 200);
    ck_assert_int_ge(ticks, 5);
    loop_free(l);
    loop_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loop");
    TCase *tc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tc = tcase_create("timers");
    tcase_add_test(tc, test_timer_order_and_cancel);
    tcase_add_test(tc, test_timer_wait_is_bounded);
    tcase_add_test(tc, test_timer_zero_rearm);
    tcase_add_test(tc, test_timer_cancel_in_same_turn);
    suite_add_tcase(s, tc);
    tc = tcase_create("fds");
    tcase_add_test(tc, test_fd_read_and_error);
    tcase_add_test(tc, test_fd_delete_other_in_callback);
    tcase_add_test(tc, test_fd_closed_while_registered);
    tcase_add_test(tc, test_fd_writable);
    tcase_add_test(tc, test_fds_added_mid_turn);
    suite_add_tcase(s, tc);
    tc = tcase_create("signals_hooks");
    tcase_add_test(tc, test_signal_self_pipe);
    tcase_add_test(tc, test_signal_wakes_wait);
    tcase_add_test(tc, test_hooks_and_run);
    tcase_add_test(tc, test_multi_available);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
