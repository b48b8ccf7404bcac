#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/api.h"
#include "src/cli.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/paths.h"
#include "src/platform.h"
#include "src/xmalloc.h"

/*
 * `pgdeck local up|down|status|seed`.  The CLI may wait for the daemon,
 * but it waits the console's way: a loop with timers, no sleep.
 *
 *   up      platform_ensure(AUTOSTART); prints where it answers.  With
 *           --drills the daemon starts with --enable-faults, and one that
 *           runs already is asked GET /admin/faults: a 404 (started without
 *           it) fails, saying how to restart it.
 *   status  platform_ensure(0); 0 when it answers, 4 when not.
 *   down    SIGTERM to the pid of DIR/platformd.pid, then poll until it is
 *           gone (PLATFORM_STOP_TIMEOUT_MS).
 *   seed    make sure it runs (started with --seed demo when it is not),
 *           then list the apps: only demo apps -> fine; other apps ->
 *           refused (the demo fleet only fills an empty platform); none
 *           -> restart it with --seed demo and look again: still none ->
 *           refused (the daemon seeds only a store that never had apps:
 *           deleted apps stay in its store).
 */

#define PLATFORM_STOP_TIMEOUT_MS 120000
#define PLATFORM_STOP_POLL_MS 100

enum platform_cli_step {
    PLATFORM_CLI_ENSURE,
    PLATFORM_CLI_APPS,
    PLATFORM_CLI_STOP,
    PLATFORM_CLI_RESEED,
    PLATFORM_CLI_END
};

struct platform_cli_run {
    struct loop *loop;
    const char *cmd;
    FILE *out, *err;
    char *dir;
    enum platform_cli_step step;
    int rc;
    long pid;
    int64_t stop_t0;
    int started_with_seed;
    int drills;
    struct platform *plat;
    struct http *http;
    struct machines *mach;
};

static const char *const platform_demo_apps[] = {"acme-db", "dev-db", "syd-db",
                                                 "web-app"};

static void platform_cli_ensure(struct platform_cli_run *c, int flags);
static void platform_cli_on_ensure(const struct platform_result *r, void *arg);
static void platform_cli_on_apps(struct machines_result *r, void *arg);
static void platform_cli_stop(struct platform_cli_run *c);
static void platform_cli_stop_poll(struct loop *l, uint64_t id, void *arg);
static void platform_cli_end(struct platform_cli_run *c, int rc);
static void platform_cli_drills(struct platform_cli_run *c,
                                const struct platform_result *r);
static void platform_cli_on_faults(const struct http_result *res, void *arg);
static int platform_cli_is_demo(const char *name);

static void platform_cli_end(struct platform_cli_run *c, int rc)
{
    c->rc = rc;
    c->step = PLATFORM_CLI_END;
    loop_stop(c->loop);
}

static int platform_cli_is_demo(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof platform_demo_apps / sizeof platform_demo_apps[0];
         i++) {
        if (strcmp(name, platform_demo_apps[i]) == 0)
            return 1;
    }
    return 0;
}

static void platform_cli_ensure(struct platform_cli_run *c, int flags)
{
    platform_free(c->plat);
    c->plat =
        platform_ensure(c->loop, c->dir, flags, platform_cli_on_ensure, c);
}

static void platform_cli_on_ensure(const struct platform_result *r, void *arg)
{
    struct platform_cli_run *c = arg;
    char *cause = NULL;

    if (!r->ok) {
        if (strcmp(c->cmd, "status") == 0) {
            fprintf(c->out, "pgdeck-platformd: not running (%s)\n", r->error);
            platform_cli_end(c, CLI_EXIT_UNREACHABLE);
        } else {
            fprintf(c->err, "pgdeck: local %s: %s\n", c->cmd, r->error);
            platform_cli_end(c, CLI_EXIT_FAILED);
        }
        return;
    }
    c->pid = platform_pid(r->dir);
    if (strcmp(c->cmd, "seed") != 0 || r->started)
        fprintf(c->out, "pgdeck-platformd: %s at %s (pid %ld, state dir %s)\n",
                r->started ? "started, answering" : "running", r->url, c->pid,
                r->dir);
    if (c->drills) {
        platform_cli_drills(c, r);
        return;
    }
    if (strcmp(c->cmd, "seed") != 0) {
        platform_cli_end(c, CLI_EXIT_OK);
        return;
    }
    /* seed: what is there?  A daemon started with --seed demo has made the
     * demo apps before it answers, or seeded nothing. */
    c->started_with_seed = r->started;
    machines_free(c->mach);
    http_free(c->http);
    c->mach = NULL;
    c->http = NULL;
    if (platform_http(c->loop, r->dir, r->url, &c->http, &cause) != 0) {
        fprintf(c->err, "pgdeck: local seed: %s\n", cause);
        free(cause);
        platform_cli_end(c, CLI_EXIT_FAILED);
        return;
    }
    c->mach = machines_new(c->http);
    machines_list_apps(c->mach, "personal", platform_cli_on_apps, c);
}

static void platform_cli_on_apps(struct machines_result *r, void *arg)
{
    struct platform_cli_run *c = arg;
    size_t i, other = 0;

    if (r->error) {
        fprintf(c->err, "pgdeck: local seed: %s\n", r->error);
        platform_cli_end(c, CLI_EXIT_FAILED);
        return;
    }
    for (i = 0; i < r->n_apps; i++)
        other += !platform_cli_is_demo(r->apps[i].name);
    if (other > 0) {
        fprintf(c->err,
                "pgdeck: local seed: the local platform already has %zu "
                "app%s of its own; the demo fleet only fills an empty "
                "platform\n",
                other, other == 1 ? "" : "s");
        platform_cli_end(c, CLI_EXIT_REFUSED);
        return;
    }
    if (r->n_apps > 0) {
        fprintf(c->out,
                "pgdeck: the demo fleet is on the local platform (%zu "
                "apps); its machines start in the background: watch them "
                "with 'pgdeck status'\n",
                r->n_apps);
        platform_cli_end(c, CLI_EXIT_OK);
        return;
    }
    if (c->started_with_seed) {
        /* The daemon seeds only a store that never had apps. */
        fprintf(c->err,
                "pgdeck: local seed: pgdeck-platformd seeded nothing: its "
                "store in %s has held apps before; stop it ('pgdeck local "
                "down') and remove that directory, or use another "
                "PGDECK_PLATFORM_DIR\n",
                c->dir);
        platform_cli_end(c, CLI_EXIT_REFUSED);
        return;
    }
    /* Running and empty: restart it with --seed demo. */
    fprintf(c->out, "pgdeck: the local platform is empty: restarting it with "
                    "the demo fleet\n");
    c->step = PLATFORM_CLI_RESEED;
    platform_cli_stop(c);
}

static void platform_cli_stop(struct platform_cli_run *c)
{
    c->pid = platform_pid(c->dir);
    if (c->pid <= 0) {
        if (c->step == PLATFORM_CLI_RESEED) {
            platform_cli_ensure(c, PLATFORM_AUTOSTART | PLATFORM_SEED);
            return;
        }
        fprintf(c->out, "pgdeck-platformd: not running (state dir %s)\n",
                c->dir);
        platform_cli_end(c, CLI_EXIT_OK);
        return;
    }
    if (kill((pid_t)c->pid, SIGTERM) != 0) {
        fprintf(c->err, "pgdeck: local %s: cannot stop pid %ld: %s\n", c->cmd,
                c->pid, strerror(errno));
        platform_cli_end(c, CLI_EXIT_FAILED);
        return;
    }
    c->stop_t0 = loop_now_ms();
    loop_timer_add(c->loop, PLATFORM_STOP_POLL_MS, platform_cli_stop_poll, c);
}

static void platform_cli_stop_poll(struct loop *l, uint64_t id, void *arg)
{
    struct platform_cli_run *c = arg;
    int64_t took = loop_now_ms() - c->stop_t0;

    (void)id;
    if (kill((pid_t)c->pid, 0) == 0 || errno == EPERM) {
        if (took > PLATFORM_STOP_TIMEOUT_MS) {
            fprintf(c->err,
                    "pgdeck: local %s: pgdeck-platformd (pid %ld) still "
                    "runs after %d s\n",
                    c->cmd, c->pid, PLATFORM_STOP_TIMEOUT_MS / 1000);
            platform_cli_end(c, CLI_EXIT_FAILED);
            return;
        }
        loop_timer_add(l, PLATFORM_STOP_POLL_MS, platform_cli_stop_poll, c);
        return;
    }
    if (c->step == PLATFORM_CLI_RESEED) {
        platform_cli_ensure(c, PLATFORM_AUTOSTART | PLATFORM_SEED);
        return;
    }
    fprintf(c->out, "pgdeck-platformd: stopped (pid %ld, %lld ms)\n", c->pid,
            (long long)took);
    platform_cli_end(c, CLI_EXIT_OK);
}

/* up --drills: are the /admin endpoints served? */
static void platform_cli_drills(struct platform_cli_run *c,
                                const struct platform_result *r)
{
    char *cause = NULL;

    if (platform_http_admin(c->loop, r->dir, r->url, &c->http, &cause) != 0) {
        fprintf(c->err, "pgdeck: local up --drills: %s\n", cause);
        free(cause);
        platform_cli_end(c, CLI_EXIT_FAILED);
        return;
    }
    (void)http_get(c->http, "/admin/faults", platform_cli_on_faults, c);
}

static void platform_cli_on_faults(const struct http_result *res, void *arg)
{
    struct platform_cli_run *c = arg;

    if (res->status == 200) {
        fprintf(c->out, "drills: enabled (the fault endpoints answer; see "
                        "pgdeck drill list)\n");
        platform_cli_end(c, CLI_EXIT_OK);
    } else if (res->status == 404) {
        fprintf(c->err,
                "pgdeck: local up --drills: pgdeck-platformd (pid %ld) runs "
                "without --enable-faults; stop it with 'pgdeck local down', "
                "then run 'pgdeck local up --drills'\n",
                c->pid);
        platform_cli_end(c, CLI_EXIT_FAILED);
    } else {
        fprintf(c->err, "pgdeck: local up --drills: GET /admin/faults: %s\n",
                res->error ? res->error : "unexpected answer");
        platform_cli_end(c,
                         res->status ? CLI_EXIT_FAILED : CLI_EXIT_UNREACHABLE);
    }
}

int platform_cli(const char *cmd, int drills, FILE *out, FILE *err)
{
    struct platform_cli_run c;
    char *cause = NULL;

    memset(&c, 0, sizeof c);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: libcurl cannot start\n");
        return CLI_EXIT_FAILED;
    }
    c.loop = loop_new();
    c.cmd = cmd;
    c.out = out;
    c.err = err;
    c.dir = paths_platform_dir();
    c.rc = CLI_EXIT_FAILED;
    c.drills = drills;
    if (strcmp(cmd, "up") == 0) {
        platform_cli_ensure(&c, PLATFORM_AUTOSTART |
                                    (drills ? PLATFORM_FAULTS : 0));
    } else if (strcmp(cmd, "status") == 0) {
        platform_cli_ensure(&c, 0);
    } else if (strcmp(cmd, "down") == 0) {
        c.step = PLATFORM_CLI_STOP;
        platform_cli_stop(&c);
    } else if (strcmp(cmd, "seed") == 0) {
        platform_cli_ensure(&c, PLATFORM_AUTOSTART | PLATFORM_SEED);
    } else {
        fprintf(err, "pgdeck: local: unknown command '%s'\n", cmd);
        platform_cli_end(&c, CLI_EXIT_USAGE);
    }
    if (c.step != PLATFORM_CLI_END && loop_run(c.loop, &cause) != 0) {
        fprintf(err, "pgdeck: local %s: %s\n", cmd, cause);
        free(cause);
        c.rc = CLI_EXIT_FAILED;
    }
    machines_free(c.mach);
    http_free(c.http);
    platform_free(c.plat);
    loop_free(c.loop);
    free(c.dir);
    curl_global_cleanup();
    return c.rc;
}
