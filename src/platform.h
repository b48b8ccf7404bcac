/*
 * platform: the `local` context's daemon, pgdeck-platformd, seen from the
 * console: is one answering in its state dir, and if not, start one in the
 * background (seeded with the demo fleet when the dir has no state yet),
 * without ever blocking the loop.  Also the `pgdeck local up|down|status|
 * seed` subcommands (platform_cli.c).
 *
 * The state dir is paths_platform_dir() ($PGDECK_PLATFORM_DIR, else the
 * daemon's own default); the daemon writes url, token, pgpass, state.json
 * and platformd.pid there.  "Answers" means: the url file exists and GET
 * /v1/apps?org_slug=personal with the token gets a 200 (on the loop, with
 * http.h).  Starting: fork + exec of `pgdeck-platformd --state-dir DIR
 * [--seed demo]` (the daemon forks itself and its first process exits 0
 * once the API answers, or 1 with the reason on stderr); the binary is
 * looked up next to pgdeck's own executable (/proc/self/exe's dir, then
 * its ../sbin), then in $PATH, or taken from $PGDECK_PLATFORMD;
 * $PGDECK_PLATFORMD_LISTEN, when set, is passed as --listen (tests use
 * 127.0.0.1:0).  The child's exit is seen by polling waitpid(WNOHANG) from
 * a loop timer (no SIGCHLD handler: that signal stays free for others),
 * its output through a pipe registered in the loop; a timer bounds the
 * whole start.  The token is never passed in argv or the environment.
 *
 * Collaborators: loop (timers, fds), http (the readiness probe),
 * paths (the state dir), context (url/token files of `local`), main (the
 * local subcommands, the console's start).
 */
#ifndef PGDECK_SRC_PLATFORM_H
#define PGDECK_SRC_PLATFORM_H

#include <stdint.h>
#include <stdio.h>

struct loop;
struct platform;

/* How long a start may take (the demo seed runs initdb and clones). */
#define PLATFORM_START_TIMEOUT_MS 180000

enum platform_flags {
    PLATFORM_AUTOSTART = 0x1, /* start a daemon when none answers */
    PLATFORM_SEED = 0x2,      /* pass --seed demo (else only on a new dir) */
    PLATFORM_FAULTS = 0x4     /* pass --enable-faults (the drills, drill.h) */
};

/* The outcome of platform_ensure(), borrowed for the callback. */
struct platform_result {
    int ok;            /* 1: a daemon answers at URL */
    int started;       /* 1: this call started it */
    const char *url;   /* the base URL ("" when not ok) */
    const char *dir;   /* the state dir */
    const char *error; /* NULL when ok; else why, for people */
    int64_t elapsed_ms;
};

typedef void (*platform_cb)(const struct platform_result *r, void *arg);

/* Checks whether a daemon answers in state dir DIR (NULL: the default),
 * and with PLATFORM_AUTOSTART starts one when not.  CB(ARG) runs once from
 * the loop (never inside this call) with the outcome.  Returns the
 * operation (owned: platform_free() after or instead of the callback;
 * freeing it before the callback cancels it, and a daemon being started
 * keeps starting on its own). */
struct platform *platform_ensure(struct loop *l, const char *dir, int flags,
                                 platform_cb cb, void *arg);
void platform_free(struct platform *p);

/* The pgdeck-platformd binary to run: $PGDECK_PLATFORMD when set, else
 * next to /proc/self/exe (same dir, then ../sbin), else the first in
 * $PATH.  Returns 0 with *path set (owned), or -1 with *cause set. */
int platform_find_binary(char **path, char **cause);

/* A client for the daemon of state dir DIR at URL (DIR/url's line), with
 * DIR/token in the Authorization header; no retries, short timeouts (for
 * probes and `pgdeck local`).  Returns 0 with *out set (owned: http_free),
 * or -1 with *cause set (the token file is missing or unsafe). */
struct http;
int platform_http(struct loop *l, const char *dir, const char *url,
                  struct http **out, char **cause);

/* platform_http() without the "/v1" prefix: for the daemon's /admin
 * paths (`pgdeck local up --drills` asks whether they are served). */
int platform_http_admin(struct loop *l, const char *dir, const char *url,
                        struct http **out, char **cause);

/* The pid in DIR/platformd.pid when that process is alive, else 0. */
long platform_pid(const char *dir);

/* `pgdeck local up|down|status|seed` (CMD is "up", "down", "status" or
 * "seed"): output to OUT, errors to ERR.  Runs its own loop (the CLI may
 * wait, the loop still never sleeps).  Returns an exit code (enum
 * cli_exit): 0 done; 1 failed; local status: 0 running, 4 not running.
 * DRILLS (up --drills): start the daemon with --enable-faults; one already
 * running without its /admin endpoints is a failure that says how to
 * restart it. */
int platform_cli(const char *cmd, int drills, FILE *out, FILE *err);

#endif
