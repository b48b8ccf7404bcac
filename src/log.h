/*
 * log: diagnostics and the two ways to die.
 *
 * log_msg() appends a line to the debug log when one is open (pgdeck --debug
 * FILE, platformd's log in its state dir) and is a no-op otherwise; the UI
 * never sees these lines.  Never pass a token or password here.
 *
 * fatal() (with errno) and fatalx() (without) are for broken invariants and
 * OOM only.  Before exiting they run the die hook, which the UI sets to
 * restore the terminal, so src/ never calls into ui/.
 */
#ifndef PGDECK_SRC_LOG_H
#define PGDECK_SRC_LOG_H

#include <stdio.h>

/* Open FILE for appending (mode 0600).  Returns 0, or -1 with *cause set. */
int log_open(const char *path, char **cause);
void log_close(void);
/* Whether a log is open: lets callers skip building expensive messages. */
int log_enabled(void);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The hook runs once, before the message is printed, and must not fail. */
void log_set_die_hook(void (*hook)(void));

void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
