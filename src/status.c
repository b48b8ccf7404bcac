#include "config.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cache.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/status.h"
#include "src/xmalloc.h"

/*
 * status: the `pgdeck status` command on the loop (status.h).
 */

struct status_run {
    struct loop *loop;
    struct fleet *fleet;
    const struct cli *cli;
    FILE *out;
    uint64_t printed_round;
    int deadline_hit;
    int watch_due; /* --watch: the interval since the last print ran out */
    uint64_t watch_timer;
    uint64_t deadline;
};

static void status_print(struct status_run *st);
static void status_before_sleep(struct loop *l, void *arg);
static void status_deadline(struct loop *l, uint64_t id, void *arg);
static void status_signal(struct loop *l, int signo, void *arg);
static void status_watch_tick(struct loop *l, uint64_t id, void *arg);

static void status_print(struct status_run *st)
{
    const struct fleet_model *m = fleet_model(st->fleet);
    struct buf b = BUF_INIT;

    if (st->cli->json)
        status_json(m, st->cli->cluster, fleet_wall_ms(), &b);
    else
        status_table(m, st->cli->cluster, fleet_wall_ms(), &b);
    fputs(buf_str(&b), st->out);
    if (st->cli->watch && !st->cli->json)
        fputs("\n", st->out);
    fflush(st->out);
    buf_free(&b);
}

/* After each turn: print when a new round completed. */
static void status_before_sleep(struct loop *l, void *arg)
{
    struct status_run *st = arg;
    const struct fleet_model *m = fleet_model(st->fleet);

    /* The first print waits for a complete round; --watch then prints
     * again every refresh interval (a round, with the apps list, comes
     * only at the slow cadence). */
    if (m->rounds <= st->printed_round && !st->deadline_hit &&
        !(st->watch_due && st->printed_round > 0))
        return;
    st->printed_round = m->rounds;
    st->deadline_hit = 0;
    st->watch_due = 0;
    status_print(st);
    if (!st->cli->watch)
        loop_stop(l);
    else if (!st->watch_timer)
        st->watch_timer =
            loop_timer_add(l, fleet_interval(st->fleet), status_watch_tick, st);
}

static void status_watch_tick(struct loop *l, uint64_t id, void *arg)
{
    struct status_run *st = arg;

    (void)l;
    (void)id;
    st->watch_timer = 0;
    st->watch_due = 1;
}

static void status_deadline(struct loop *l, uint64_t id, void *arg)
{
    struct status_run *st = arg;

    (void)l;
    (void)id;
    st->deadline = 0;
    st->deadline_hit = 1;
}

static void status_signal(struct loop *l, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    loop_stop(l);
}

int status_run(const struct cli *cli, const struct settings *s,
               const struct context *ctx, FILE *out, FILE *err)
{
    struct status_run st;
    struct fleet_options opts;
    struct http *http = NULL;
    struct machines *api = NULL;
    char *cause = NULL, *cpath = NULL;
    int rc;

    memset(&st, 0, sizeof st);
    st.cli = cli;
    st.out = out;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: status: cannot initialize libcurl\n");
        return CLI_EXIT_FAILED;
    }
    st.loop = loop_new();
    if (http_new_context(st.loop, ctx, s, &http, &cause) != 0) {
        fprintf(err, "pgdeck: status: context %s: %s\n", ctx->name, cause);
        free(cause);
        loop_free(st.loop);
        curl_global_cleanup();
        return CLI_EXIT_UNREACHABLE;
    }
    api = machines_new(http);
    memset(&opts, 0, sizeof opts);
    opts.probe = 1;
    opts.only = cli->cluster;
    st.fleet = fleet_new(st.loop, api, ctx, s, &opts);
    cpath = cache_path(ctx->name);
    if (cpath) {
        struct fleet_model *snap = cache_load(cpath, NULL);

        if (snap)
            fleet_adopt(st.fleet, snap);
    }
    loop_on_signal(st.loop, SIGINT, status_signal, &st, NULL);
    loop_on_signal(st.loop, SIGTERM, status_signal, &st, NULL);
    loop_set_before_sleep(st.loop, status_before_sleep, &st);
    if (!cli->watch)
        st.deadline =
            loop_timer_add(st.loop, STATUS_DEADLINE_MS, status_deadline, &st);
    fleet_start(st.fleet);
    if (loop_run(st.loop, &cause) != 0) {
        fprintf(err, "pgdeck: status: %s\n", cause);
        free(cause);
    }
    rc = status_exit_code(fleet_model(st.fleet), cli->cluster);
    if (rc == CLI_EXIT_UNREACHABLE &&
        fleet_model_unknown(fleet_model(st.fleet), cli->cluster)) {
        fprintf(err,
                "pgdeck: status: %s: its machines could not be listed, so "
                "whether it is a Postgres cluster is not known: %s\n",
                cli->cluster,
                fleet_model_unknown(fleet_model(st.fleet), cli->cluster));
    } else if (rc == CLI_EXIT_UNREACHABLE) {
        const struct fleet_model *m = fleet_model(st.fleet);

        fprintf(err, "pgdeck: platform unreachable: %s\n",
                m->api.reason ? m->api.reason : "no answer");
    } else if (cpath && fleet_model(st.fleet)->status == FLEET_STATUS_OK &&
               !cli->cluster &&
               cache_save(fleet_model(st.fleet), cpath, &cause) != 0) {
        log_msg("status: cache: %s", cause);
        free(cause);
    }
    if (cli->cluster &&
        !fleet_model_cluster(fleet_model(st.fleet), cli->cluster) &&
        rc != CLI_EXIT_UNREACHABLE)
        fprintf(err, "pgdeck: status: no Postgres cluster named %s\n",
                cli->cluster);
    if (st.deadline)
        loop_timer_cancel(st.loop, st.deadline);
    if (st.watch_timer)
        loop_timer_cancel(st.loop, st.watch_timer);
    fleet_free(st.fleet);
    machines_free(api);
    http_free(http);
    loop_set_before_sleep(st.loop, NULL, NULL);
    loop_free(st.loop);
    curl_global_cleanup();
    free(cpath);
    return rc;
}
