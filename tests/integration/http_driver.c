#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/context.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * http_driver: runs the console's loop + http + machines client against a
 * real pgdeck-platformd for tests/integration/http-client.test.  The
 * `local` context is resolved as pgdeck does (PGDECK_PLATFORM_DIR: url and
 * token files), so the token never passes through argv.
 *
 *   http_driver [OPTIONS] apps ORG | machines APP | volumes APP |
 *               get PATH | many N PATH | cancel PATH
 *   --debug FILE         the debug log (log.h)
 *   --timeout DUR        http.timeout (settings syntax: "2s", "500ms")
 *   --connect-timeout DUR
 *   --max-per-host N
 *   --tick MS            a repeating timer; prints how often it fired
 *   --url URL            use this base URL instead of the platform's (the
 *                        token still comes from the platform dir)
 *   --max-body N         cap response bodies at N bytes (http_config)
 *
 * Output: one "key=value" line per fact, then "result=ok" or
 * "result=error"; the exit code is 0 when every request succeeded.
 */

struct driver {
    struct loop *loop;
    int outstanding;
    int failed;
    int ticks;
    int64_t tick_ms;
    int64_t max_gap_ms; /* the longest time between two ticks */
    int64_t last_tick;
};

static void driver_tick(struct loop *l, uint64_t id, void *arg)
{
    struct driver *d = arg;
    int64_t now = loop_now_ms();

    (void)id;
    d->ticks++;
    if (d->last_tick && now - d->last_tick > d->max_gap_ms)
        d->max_gap_ms = now - d->last_tick;
    d->last_tick = now;
    loop_timer_add(l, d->tick_ms, driver_tick, d);
}

static void driver_one_done(struct driver *d)
{
    if (--d->outstanding == 0)
        loop_stop(d->loop);
}

static void driver_on_machines(struct machines_result *r, void *arg)
{
    struct driver *d = arg;
    size_t i;

    printf("status=%d\nattempts=%d\nelapsed_ms=%lld\n", r->status, r->attempts,
           (long long)r->elapsed_ms);
    if (r->error) {
        printf("error=%s\nunreachable=%d\n", r->error, r->unreachable);
        d->failed++;
        driver_one_done(d);
        return;
    }
    switch (r->kind) {
    case MACHINES_APPS:
        printf("apps=%zu\n", r->n_apps);
        for (i = 0; i < r->n_apps; i++)
            printf("app=%s machines=%d\n", r->apps[i].name,
                   r->apps[i].machine_count);
        break;
    case MACHINES_MACHINES:
        printf("machines=%zu\n", r->n_machines);
        for (i = 0; i < r->n_machines; i++) {
            const struct api_machine *m = &r->machines[i];

            printf("machine=%s region=%s state=%s role=%s postgres=%d "
                   "ip=%s\n",
                   m->id, m->region, m->state, api_machine_role(m),
                   api_machine_is_postgres(m), m->private_ip);
        }
        break;
    case MACHINES_VOLUMES:
        printf("volumes=%zu\n", r->n_volumes);
        for (i = 0; i < r->n_volumes; i++) {
            const struct api_volume *v = &r->volumes[i];

            printf("volume=%s size_gb=%d attached=%s used=%lld\n", v->id,
                   v->size_gb, v->attached_machine_id,
                   (long long)v->bytes_used);
        }
        break;
    case MACHINES_MACHINE:
    default:
        printf("machine=%s\n", r->machine->id);
        break;
    }
    driver_one_done(d);
}

static void driver_on_http(const struct http_result *r, void *arg)
{
    struct driver *d = arg;

    printf("status=%d\nattempts=%d\nelapsed_ms=%lld\nbytes=%zu\n", r->status,
           r->attempts, (long long)r->elapsed_ms, r->len);
    if (r->error) {
        printf("error=%s\n", r->error);
        d->failed++;
    }
    driver_one_done(d);
}

static void driver_never(const struct http_result *r, void *arg)
{
    struct driver *d = arg;

    (void)r;
    printf("cancelled_callback_ran=1\n");
    d->failed++;
}

static void driver_stop(struct loop *l, uint64_t id, void *arg)
{
    (void)id;
    (void)arg;
    loop_stop(l);
}

static int driver_usage(void)
{
    fprintf(
        stderr,
        "usage: http_driver [--debug FILE] [--timeout DUR] "
        "[--connect-timeout DUR] [--max-per-host N] [--tick MS] "
        "[--url URL] [--max-body N] apps ORG | machines APP | volumes APP | "
        "get PATH | many N PATH | cancel PATH\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct driver d;
    struct settings *s;
    struct context_set *set = NULL;
    struct context c;
    struct http *h = NULL;
    struct machines *m = NULL;
    char *cause = NULL, *end;
    const char *url = NULL;
    char *url_copy = NULL;
    long long max_body = 0;
    int i, rc;
    int64_t t0;

    memset(&d, 0, sizeof d);
    s = settings_new();
    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        int id = -1;

        if (i + 1 >= argc)
            return driver_usage();
        if (strcmp(argv[i], "--debug") == 0) {
            if (log_open(argv[i + 1], &cause) != 0) {
                fprintf(stderr, "%s\n", cause);
                return 2;
            }
            continue;
        }
        if (strcmp(argv[i], "--tick") == 0) {
            d.tick_ms = strtoll(argv[i + 1], &end, 10);
            if (*end || d.tick_ms <= 0)
                return driver_usage();
            continue;
        }
        if (strcmp(argv[i], "--max-body") == 0) {
            max_body = strtoll(argv[i + 1], &end, 10);
            if (*end || max_body <= 0)
                return driver_usage();
            continue;
        }
        if (strcmp(argv[i], "--url") == 0) {
            url = argv[i + 1];
            continue;
        }
        if (strcmp(argv[i], "--timeout") == 0)
            id = SETTINGS_HTTP_TIMEOUT;
        else if (strcmp(argv[i], "--connect-timeout") == 0)
            id = SETTINGS_HTTP_CONNECT_TIMEOUT;
        else if (strcmp(argv[i], "--max-per-host") == 0)
            id = SETTINGS_HTTP_MAX_PER_HOST;
        if (id < 0 || settings_override(s, (enum settings_id)id, argv[i + 1],
                                        &cause) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], cause ? cause : "unknown");
            return driver_usage();
        }
    }
    if (i + 1 >= argc)
        return driver_usage();

    curl_global_init(CURL_GLOBAL_DEFAULT);
    d.loop = loop_new();
    if (context_set_build(s, "local", &set, &cause) != 0) {
        fprintf(stderr, "context: %s\n", cause);
        return 1;
    }
    c = *context_current(set);
    if (url)
        c.api_url = url_copy = x_strdup(url);
    if (max_body > 0) {
        /* http_new with a body cap, the token loaded as pgdeck does. */
        struct context_token tok;
        struct http_config cfg;

        if (context_token_load(&c, &tok, &cause) != 0) {
            printf("error=%s\nresult=error\n", cause);
            return 1;
        }
        memset(&cfg, 0, sizeof cfg);
        cfg.base_url = c.api_url;
        cfg.token = tok.value;
        cfg.scheme = tok.scheme;
        cfg.max_body = (size_t)max_body;
        rc = http_new(d.loop, &cfg, &h, &cause);
        context_token_clear(&tok);
        if (rc != 0) {
            printf("error=%s\nresult=error\n", cause);
            return 1;
        }
    } else if (http_new_context(d.loop, &c, s, &h, &cause) != 0) {
        printf("error=%s\nresult=error\n", cause);
        return 1;
    }
    m = machines_new(h);
    if (d.tick_ms)
        loop_timer_add(d.loop, d.tick_ms, driver_tick, &d);

    t0 = loop_now_ms();
    if (strcmp(argv[i], "apps") == 0) {
        d.outstanding = 1;
        machines_list_apps(m, argv[i + 1], driver_on_machines, &d);
    } else if (strcmp(argv[i], "machines") == 0) {
        d.outstanding = 1;
        machines_list_machines(m, argv[i + 1], driver_on_machines, &d);
    } else if (strcmp(argv[i], "volumes") == 0) {
        d.outstanding = 1;
        machines_list_volumes(m, argv[i + 1], driver_on_machines, &d);
    } else if (strcmp(argv[i], "get") == 0) {
        d.outstanding = 1;
        http_get(h, argv[i + 1], driver_on_http, &d);
    } else if (strcmp(argv[i], "many") == 0 && i + 2 < argc) {
        long n = strtol(argv[i + 1], &end, 10), k;

        if (*end || n <= 0 || n > 1000)
            return driver_usage();
        d.outstanding = (int)n;
        for (k = 0; k < n; k++)
            http_get(h, argv[i + 2], driver_on_http, &d);
        printf("pending=%zu\n", http_pending(h));
    } else if (strcmp(argv[i], "cancel") == 0) {
        struct http_req *r = http_get(h, argv[i + 1], driver_never, &d);

        http_cancel(r);
        printf("pending_after_cancel=%zu\n", http_pending(h));
        loop_timer_add(d.loop, 300, driver_stop, NULL);
    } else {
        return driver_usage();
    }
    rc = loop_run(d.loop, &cause);
    if (rc != 0)
        printf("loop_error=%s\n", cause);
    printf("total_ms=%lld\n", (long long)(loop_now_ms() - t0));
    if (d.tick_ms)
        printf("ticks=%d\nmax_tick_gap_ms=%lld\n", d.ticks,
               (long long)d.max_gap_ms);
    printf("turns=%llu\n", (unsigned long long)loop_turns(d.loop));
    printf("result=%s\n", d.failed || rc ? "error" : "ok");
    machines_free(m);
    http_free(h);
    loop_free(d.loop);
    context_set_free(set);
    settings_free(s);
    free(url_copy);
    log_close();
    curl_global_cleanup();
    return d.failed || rc ? 1 : 0;
}
