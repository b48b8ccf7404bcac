#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/cli.h"
#include "src/fleet.h"
#include "src/loop.h"
#include "src/xmalloc.h"

/*
 * fleet_once: one refresh round of the model for a one-shot command
 * (fleet_refresh_once in fleet.h).  The loop runs until the round is
 * complete (the before-sleep hook looks) or the deadline timer fired.
 */

struct fleet_once {
    struct fleet *fleet;
    uint64_t deadline;
    int deadline_hit;
};

static void fleet_once_check(struct loop *l, void *arg)
{
    struct fleet_once *o = arg;

    if (fleet_model(o->fleet)->rounds > 0 || o->deadline_hit)
        loop_stop(l);
}

static void fleet_once_deadline(struct loop *l, uint64_t id, void *arg)
{
    struct fleet_once *o = arg;

    (void)l;
    (void)id;
    o->deadline = 0;
    o->deadline_hit = 1;
}

int fleet_refresh_once(struct loop *loop, struct machines *machines,
                       const struct context *ctx, const struct settings *s,
                       const char *only, int64_t deadline_ms,
                       struct fleet **out, char **cause)
{
    struct fleet_options opts;
    struct fleet_once o;
    const struct fleet_model *m;
    char *why = NULL;
    int rc = 0;

    *out = NULL;
    memset(&opts, 0, sizeof opts);
    opts.probe = 1;
    opts.only = only;
    memset(&o, 0, sizeof o);
    o.fleet = fleet_new(loop, machines, ctx, s, &opts);
    o.deadline = loop_timer_add(loop, deadline_ms, fleet_once_deadline, &o);
    loop_set_before_sleep(loop, fleet_once_check, &o);
    fleet_start(o.fleet);
    if (loop_run(loop, &why) != 0) {
        *cause = x_asprintf("the event loop failed: %s", why);
        free(why);
        rc = CLI_EXIT_FAILED;
    }
    loop_set_before_sleep(loop, NULL, NULL);
    if (o.deadline)
        loop_timer_cancel(loop, o.deadline);
    m = fleet_model(o.fleet);
    if (rc == 0 && m->status == FLEET_STATUS_UNREACHABLE) {
        *cause = x_asprintf("platform unreachable: %s",
                            m->api.reason ? m->api.reason : "no answer");
        rc = CLI_EXIT_UNREACHABLE;
    } else if (rc == 0 && m->status != FLEET_STATUS_OK) {
        *cause = x_asprintf("the platform API: %s",
                            m->api.reason ? m->api.reason
                                          : "no complete answer in time");
        rc = CLI_EXIT_FAILED;
    }
    if (rc != 0) {
        fleet_free(o.fleet);
        return rc;
    }
    *out = o.fleet;
    return 0;
}
