/*
 * loop: the console's one event loop (single-threaded, nothing blocks).
 *
 * The wait is curl_multi_poll() on the loop's CURLM, with the registered
 * file descriptors (the tty, every libpq socket, ...) and a signal
 * self-pipe as extra fds, and a timeout computed from the nearest timer
 * (libcurl shortens it further for its own timeouts).  One turn:
 *
 *   1. run the before-sleep hook (the UI redraws there, once per turn);
 *   2. wait in curl_multi_poll() (0 ms when a timer is already due);
 *   3. drain the signal pipe and call the signal callbacks;
 *   4. let libcurl progress and call the poll hooks (http.c reaps finished
 *      transfers there and calls their completion callbacks);
 *   5. call the callbacks of the fds that are ready;
 *   6. call the timers that are due (in deadline order).
 *
 * Every callback runs on the loop's stack, one at a time, and may add or
 * remove fds, timers and hooks (also its own) and call loop_stop().  No
 * callback may block: no sleep, no synchronous HTTP, no PQexec.
 *
 * Collaborators: http (the CURLM and a poll hook), db/probe (libpq sockets,
 * re-registered every turn by their owner with loop_add_fd/loop_mod_fd),
 * platform (timers, SIGCHLD), ui (the tty fd, SIGWINCH, the before-sleep
 * redraw), main (SIGINT/SIGTERM/SIGHUP -> loop_stop).
 */
#ifndef PGDECK_SRC_LOOP_H
#define PGDECK_SRC_LOOP_H

#include <stdint.h>

struct loop;

/* Events of an fd (a bit mask). */
#define LOOP_READ 0x1
#define LOOP_WRITE 0x2
/* Only ever passed to a callback: POLLERR, POLLHUP (the fd is closed on
 * the other side or broken).  The owner must loop_del_fd() it or the loop
 * would wake up for it every turn.  A fd closed while registered (POLLNVAL)
 * is reported once with LOOP_ERROR and then unregistered by the loop. */
#define LOOP_ERROR 0x4

/* Callbacks.  ARG is the pointer given at registration (borrowed). */
/* FD is ready for EVENTS (LOOP_READ, LOOP_WRITE and/or LOOP_ERROR). */
typedef void (*loop_fd_cb)(struct loop *l, int fd, int events, void *arg);
/* Timer ID is due.  A timer is one-shot: it is gone when this runs (add a
 * new one to repeat). */
typedef void (*loop_timer_cb)(struct loop *l, uint64_t id, void *arg);
/* SIGNO was delivered (once per turn however many times it arrived). */
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *arg);
/* A hook: before-sleep, or after-poll (see loop_add_poll_hook). */
typedef void (*loop_hook_cb)(struct loop *l, void *arg);

/* A new loop with its own CURLM and signal self-pipe.  Dies (fatalx) only
 * when libcurl or pipe() cannot be set up at all.  Owned by the caller:
 * loop_free().  Call curl_global_init() (main does) before the first
 * loop_new(); the loop does not. */
struct loop *loop_new(void);
/* Frees L: the timers and fds are forgotten (nothing is closed), the signal
 * handlers are restored to what they were.  Transfers still attached to
 * the CURLM must have been removed by their owner (http_free) first.  NULL
 * is fine. */
void loop_free(struct loop *l);

/* Watches FD for EVENTS (LOOP_READ|LOOP_WRITE; 0 = registered but not
 * watched).  When FD is already registered, its events, callback and
 * argument are replaced (so libpq owners may simply re-add every turn).
 * Unregister (loop_del_fd) before closing FD.  Returns 0, or -1 when FD is
 * negative. */
int loop_add_fd(struct loop *l, int fd, int events, loop_fd_cb cb, void *arg);
/* Changes the events of a registered FD.  Returns 0, or -1 when FD is not
 * registered. */
int loop_mod_fd(struct loop *l, int fd, int events);
/* Forgets FD (not closed); a no-op when it is not registered.  Safe from
 * inside any callback, also FD's own: no further callback for FD runs in
 * this turn. */
void loop_del_fd(struct loop *l, int fd);

/* Calls CB once, DELAY_MS milliseconds from now (0: in this or the next
 * turn, without waiting; negative counts as 0).  Returns the timer's id,
 * never 0. */
uint64_t loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_cb cb,
                        void *arg);
/* Cancels timer ID.  Returns 0, or -1 when it is unknown (already ran,
 * cancelled, or 0). */
int loop_timer_cancel(struct loop *l, uint64_t id);
/* Milliseconds until timer ID is due (0 when overdue), or -1 when ID is
 * unknown. */
int64_t loop_timer_remaining(const struct loop *l, uint64_t id);

/* Routes SIGNO (SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD, ...) to CB: a
 * handler (SA_RESTART) writes SIGNO to the self-pipe and the loop calls CB
 * in step 3 of the turn.  One callback per signal; a new call replaces it;
 * CB NULL restores the disposition the signal had before.  Returns 0, or
 * -1 with *cause set (an invalid signal number). */
int loop_on_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg,
                   char **cause);

/* Sets the hook run once per turn before the loop waits (NULL removes it).
 * The UI redraws there: after every callback of the previous turn. */
void loop_set_before_sleep(struct loop *l, loop_hook_cb cb, void *arg);

/* Adds a hook run every turn after curl_multi_poll() returned and
 * curl_multi_perform() ran (step 4).  For http.c, which reaps finished
 * transfers there.  Returns an id for loop_del_poll_hook (never 0). */
uint64_t loop_add_poll_hook(struct loop *l, loop_hook_cb cb, void *arg);
void loop_del_poll_hook(struct loop *l, uint64_t id);

/* One turn (see above).  Returns 0, or -1 with *cause set when the wait
 * itself failed (libcurl out of memory or a bad fd set): the caller decides
 * whether to stop.  Waits at most MAX_WAIT_MS (negative: no limit but the
 * timers'), which lets tests and `pgdeck local up` bound a turn. */
int loop_turn(struct loop *l, int64_t max_wait_ms, char **cause);
/* Turns until loop_stop() is called (from a callback).  Returns 0, or -1
 * with *cause set when a turn failed.  loop_stop() called between two runs
 * (or before the first) makes it return after one turn; the stop that ended
 * the previous run does not carry over, so a program may run the loop
 * several times in a row (act_cli: refresh, then the plan). */
int loop_run(struct loop *l, char **cause);
/* Makes loop_run() return at the end of the current turn; also wakes a
 * loop that is waiting (curl_multi_wakeup). */
void loop_stop(struct loop *l);
/* Whether loop_stop() was called since the last loop_run() began. */
int loop_stopped(const struct loop *l);

/* Monotonic milliseconds (CLOCK_MONOTONIC); any origin. */
int64_t loop_now_ms(void);
/* Turns taken so far (for tests and benchmarks). */
uint64_t loop_turns(const struct loop *l);

/* The loop's CURLM (as void * so that this header needs no curl.h); for
 * http.c only: it adds and removes its easy handles there.  Borrowed. */
void *loop_curl_multi(struct loop *l);

#endif
