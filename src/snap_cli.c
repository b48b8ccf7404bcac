#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/cli.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/settings.h"
#include "src/snap.h"
#include "src/xmalloc.h"

/*
 * snap_cli: `pgdeck snapshot list` (snap.h).  The loop runs twice: one
 * refresh of the cluster's model (its nodes and volumes), then the
 * snapshot lists of the volumes, all at once.
 */

#define SNAP_CLI_DEADLINE_MS 30000

static int snap_cli_run(const struct cli *cli, const struct settings *s,
                        const struct context *ctx, struct loop *loop,
                        struct machines *api, FILE *out, FILE *err)
{
    struct fleet *fleet = NULL;
    const struct fleet_cluster *c;
    struct snap_result r;
    char *cause = NULL;
    size_t i;
    int rc;

    rc = fleet_refresh_once(loop, api, ctx, s, cli->cluster,
                            SNAP_CLI_DEADLINE_MS, &fleet, &cause);
    if (rc != 0) {
        fprintf(err, "pgdeck: snapshot list: %s\n", cause);
        free(cause);
        return rc;
    }
    c = fleet_model_cluster(fleet_model(fleet), cli->cluster);
    if (!c) {
        const char *why = fleet_model_unknown(fleet_model(fleet), cli->cluster);

        if (why)
            fprintf(err,
                    "pgdeck: snapshot list: %s: its machines could not be "
                    "listed: %s\n",
                    cli->cluster, why);
        else
            fprintf(err,
                    "pgdeck: snapshot list: no Postgres cluster named %s in "
                    "context %s\n",
                    cli->cluster, ctx->name);
        fleet_free(fleet);
        return why ? CLI_EXIT_UNREACHABLE : CLI_EXIT_REFUSED;
    }
    if (cli->node && !fleet_cluster_node(c, cli->node)) {
        fprintf(err,
                "pgdeck: snapshot list: %s has no node %s; its nodes:", c->name,
                cli->node);
        for (i = 0; i < c->n_nodes; i++)
            fprintf(err, " %s", c->nodes[i].id);
        fprintf(err, "\n");
        fleet_free(fleet);
        return CLI_EXIT_REFUSED;
    }
    if (snap_list_once(loop, api, c, cli->node, SNAP_CLI_DEADLINE_MS, &r,
                       &cause) != 0) {
        fprintf(err, "pgdeck: snapshot list: %s\n", cause);
        free(cause);
        fleet_free(fleet);
        return CLI_EXIT_FAILED;
    }
    fleet_free(fleet);
    if (cli->json)
        snap_print_json(out, &r, (int64_t)time(NULL) * 1000);
    else
        snap_print_table(out, &r, (int64_t)time(NULL) * 1000);
    rc = CLI_EXIT_OK;
    for (i = 0; i < r.n_vols; i++)
        if (r.vols[i].error) {
            fprintf(err, "pgdeck: snapshot list: volume %s of %s: %s\n",
                    r.vols[i].volume, r.vols[i].node, r.vols[i].error);
            rc = r.vols[i].unreachable ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILED;
        }
    snap_result_clear(&r);
    return rc;
}

int snap_cli_list(const struct cli *cli, const struct settings *s,
                  const struct context *ctx, FILE *out, FILE *err)
{
    struct loop *loop;
    struct http *http = NULL;
    struct machines *api;
    char *cause = NULL;
    int rc;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: cannot initialize libcurl\n");
        return CLI_EXIT_FAILED;
    }
    loop = loop_new();
    if (http_new_context(loop, ctx, s, &http, &cause) != 0) {
        fprintf(err, "pgdeck: snapshot list: context %s: %s\n", ctx->name,
                cause);
        free(cause);
        loop_free(loop);
        curl_global_cleanup();
        return CLI_EXIT_UNREACHABLE;
    }
    api = machines_new(http);
    rc = snap_cli_run(cli, s, ctx, loop, api, out, err);
    machines_free(api);
    http_free(http);
    loop_free(loop);
    curl_global_cleanup();
    log_msg("snapshot list: exit %d", rc);
    return rc;
}
