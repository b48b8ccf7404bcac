#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/drill.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * drill_cli: `pgdeck drill list|run|reset` (drill.h).  The refusals first
 * (context, read-only, the drill's name), then on one loop: one refresh of
 * the cluster's model, the drill built from it, then its requests.
 */

#define DRILL_CLI_REFRESH_MS 30000

struct drill_cli {
    struct loop *loop;
    int done;
    int status;
    char *error;
};

static void drill_cli_probed(const struct http_result *res, void *arg)
{
    struct drill_cli *d = arg;

    d->done = 1;
    d->status = res->status;
    d->error = res->error ? x_strdup(res->error) : NULL;
    loop_stop(d->loop);
}

/* GET /admin/faults before anything else: are the drills possible at all?
 * An exit code, after a message when not 0. */
static int drill_cli_probe(struct loop *loop, struct http *h, const char *verb,
                           FILE *err)
{
    struct drill_cli d;
    char *cause = NULL, *why;
    int rc;

    memset(&d, 0, sizeof d);
    d.loop = loop;
    (void)http_get(h, "/admin/faults", drill_cli_probed, &d);
    if (loop_run(loop, &cause) != 0 || !d.done) {
        fprintf(err, "pgdeck: %s: the event loop failed: %s\n", verb,
                cause ? cause : "stopped");
        free(cause);
        free(d.error);
        return CLI_EXIT_FAILED;
    }
    why = drill_probe_error(d.status, d.error, http_base_url(h), &rc);
    free(d.error);
    if (why) {
        fprintf(err, "pgdeck: %s: %s%s\n", verb,
                rc == CLI_EXIT_REFUSED ? "refused: " : "", why);
        free(why);
    }
    return rc;
}

static void drill_cli_done(struct drill_run *r, void *arg)
{
    struct drill_cli *d = arg;

    (void)r;
    d->done = 1;
    loop_stop(d->loop);
}

/* Runs plan P on the loop; prints what happened (with what to look for
 * and how to recover, or how to check a reset, unless PART: the first part
 * of a reset).  An exit code. */
static int drill_cli_exec(struct loop *loop, struct http *h,
                          struct drill_plan *p, const char *verb, FILE *out,
                          FILE *err, int part)
{
    struct drill_cli d;
    struct drill_run *r;
    char *cause = NULL;
    int rc;

    memset(&d, 0, sizeof d);
    d.loop = loop;
    r = drill_run_start(h, p, drill_cli_done, &d);
    if (loop_run(loop, &cause) != 0 || !d.done) {
        fprintf(err, "pgdeck: %s: the event loop failed: %s\n", verb,
                cause ? cause : "stopped");
        free(cause);
        drill_run_free(r);
        return CLI_EXIT_FAILED;
    }
    rc = drill_run_rc(r);
    fputs(drill_run_log(r), out);
    if (rc != CLI_EXIT_OK)
        fprintf(err, "pgdeck: %s: %s\n", verb, drill_run_error(r));
    else if (!part && drill_run_plan(r)->id != DRILL_RESET)
        fprintf(out, "look for: %s\nrecover:  %s\n", drill_run_plan(r)->look,
                drill_run_plan(r)->recover);
    else if (!part)
        fprintf(out, "healed; check with: %s\n", drill_run_plan(r)->recover);
    drill_run_free(r);
    return rc;
}

static int drill_cli_cluster(const struct cli *cli, const struct settings *s,
                             const struct context *ctx, struct loop *loop,
                             const char *verb, FILE *out, FILE *err)
{
    struct http *http = NULL, *admin = NULL;
    struct machines *api = NULL;
    struct fleet *fleet = NULL;
    const struct fleet_cluster *c;
    struct drill_plan p;
    char *cause = NULL;
    int rc;

    if (drill_http(loop, ctx, &admin, &cause) != 0 ||
        http_new_context(loop, ctx, s, &http, &cause) != 0) {
        fprintf(err, "pgdeck: %s: context %s: %s\n", verb, ctx->name, cause);
        free(cause);
        http_free(admin);
        return CLI_EXIT_UNREACHABLE;
    }
    rc = drill_cli_probe(loop, admin, verb, err);
    if (rc != 0)
        goto out;
    if (cli->cmd == CLI_CMD_DRILL_RESET) {
        /* The cluster's fault rules first: the refresh below needs its API
         * paths to answer (api-slow, api-failing). */
        struct fleet_cluster bare;

        memset(&bare, 0, sizeof bare);
        bare.name = x_strdup(cli->cluster);
        drill_build_reset(&bare, &p);
        free(bare.name);
        fprintf(out, "drill reset on %s:\n", cli->cluster);
        rc = drill_cli_exec(loop, admin, &p, verb, out, err, 1);
        if (rc != 0)
            goto out;
    }
    api = machines_new(http);
    rc = fleet_refresh_once(loop, api, ctx, s, cli->cluster,
                            DRILL_CLI_REFRESH_MS, &fleet, &cause);
    if (rc != 0) {
        fprintf(err, "pgdeck: %s: %s\n", verb, cause);
        free(cause);
        goto out;
    }
    c = fleet_model_cluster(fleet_model(fleet), cli->cluster);
    if (!c) {
        const char *why = fleet_model_unknown(fleet_model(fleet), cli->cluster);

        if (why)
            fprintf(err,
                    "pgdeck: %s: %s: its machines could not be listed: %s\n",
                    verb, cli->cluster, why);
        else
            fprintf(err,
                    "pgdeck: %s: no Postgres cluster named %s in context %s\n",
                    verb, cli->cluster, ctx->name);
        rc = why ? CLI_EXIT_UNREACHABLE : CLI_EXIT_REFUSED;
        goto out;
    }
    if (cli->cmd == CLI_CMD_DRILL_RESET) {
        drill_build_reset(c, &p);
    } else if (drill_build(c, (enum drill_id)drill_find(cli->drill), cli->node,
                           settings_num(s, SETTINGS_HTTP_TIMEOUT), &p,
                           &cause) != 0) {
        fprintf(err, "pgdeck: %s: refused: %s\n", verb, cause);
        free(cause);
        rc = CLI_EXIT_REFUSED;
        goto out;
    }
    /* The model is not needed any more: its refreshes stop here. */
    fleet_free(fleet);
    fleet = NULL;
    if (cli->cmd != CLI_CMD_DRILL_RESET)
        fprintf(out, "drill %s on %s%s%s:\n", drill_get(p.id)->name, p.cluster,
                p.node[0] ? ", node " : "", p.node);
    rc = drill_cli_exec(loop, admin, &p, verb, out, err, 0);
out:
    fleet_free(fleet);
    machines_free(api);
    http_free(http);
    http_free(admin);
    return rc;
}

int drill_cli_run(const struct cli *cli, const struct settings *s,
                  const struct context *ctx, FILE *out, FILE *err)
{
    const char *verb = cli_cmd_name(cli->cmd);
    struct buf b = BUF_INIT;
    struct loop *loop;
    char *why;
    int rc;

    if (cli->cmd == CLI_CMD_DRILL_LIST) {
        drill_list(&b);
        fputs(buf_str(&b), out);
        buf_free(&b);
        return fflush(out) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    if (cli->cmd == CLI_CMD_DRILL_RUN && drill_find(cli->drill) < 0) {
        const char *hint = drill_suggest(cli->drill);

        fprintf(err, "pgdeck: drill run: unknown drill '%s'", cli->drill);
        if (hint)
            fprintf(err, "; did you mean %s?", hint);
        fprintf(err, " (pgdeck drill list shows them)\n");
        return CLI_EXIT_USAGE;
    }
    why = drill_refusal(ctx, cli->read_only ||
                                 settings_num(s, SETTINGS_READ_ONLY) == 1);
    if (why) {
        fprintf(err, "pgdeck: %s: refused: %s\n", verb, why);
        free(why);
        return CLI_EXIT_REFUSED;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: cannot initialize libcurl\n");
        return CLI_EXIT_FAILED;
    }
    loop = loop_new();
    rc = drill_cli_cluster(cli, s, ctx, loop, verb, out, err);
    loop_free(loop);
    curl_global_cleanup();
    log_msg("%s: exit %d", verb, rc);
    return rc;
}
