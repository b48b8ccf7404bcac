#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/drill.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/settings.h"
#include "src/xmalloc.h"

/*
 * drill: the table of drills, their pure builders and the asynchronous
 * run (drill.h).
 */

static const struct drill_def drill_defs[DRILL__COUNT] = {
    [DRILL_KILL_PRIMARY] =
        {"kill-primary",
         "crash the primary; watch repmgrd fail over on its own",
         "the primary's node goes unreachable (?), the cluster has no "
         "primary for a few seconds, then a replica turns primary (*) and "
         "the other replicas follow it; no committed row is lost",
         "nothing to do for the failover itself; the old primary stays down "
         "60 s, then the platform starts it and it rejoins as a replica "
         "(sooner: pgdeck restart CLUSTER OLD); to give it the primary role "
         "back: pgdeck failover CLUSTER --to OLD"},
    [DRILL_PAUSE_REPLAY] =
        {"pause-replay",
         "pause WAL replay on a replica (--node, else the first replica)",
         "the replica's replay lag grows with every write on the primary "
         "(lag column, sparkline), the replication_lag issue says replay "
         "is paused, a failover to it is refused past the lag limit",
         "pgdeck restart CLUSTER REPLICA (replay resumes when Postgres "
         "starts), or pgdeck drill reset CLUSTER"},
    [DRILL_FILL_DISK] =
        {"fill-disk", "fill the primary's volume to 95 %",
         "the volume column goes past 90 %, the platform makes the cluster "
         "read-only (verdict read-only, issue disk_read_only) and writes "
         "fail with SQLSTATE 25006",
         "pgdeck volume extend CLUSTER GB --node PRIMARY to a size that "
         "brings the use under 90 % (the cluster is writable again within "
         "seconds); pgdeck drill reset CLUSTER removes the filler"},
    [DRILL_API_SLOW] =
        {"api-slow",
         "make the Machines API slow on the cluster's paths (past the "
         "client's timeout)",
         "the cluster's nodes turn stale (~) with the age of their last "
         "data and the reason (timed out); the SQL probes still answer",
         "pgdeck drill reset CLUSTER (the stale markers go at the next "
         "refresh)"},
    [DRILL_API_FAILING] =
        {"api-failing",
         "make the Machines API answer 503 on the cluster's paths",
         "after the client's retries the cluster's nodes turn stale (~) "
         "with the reason (HTTP 503); the last good data stays on screen",
         "pgdeck drill reset CLUSTER (the stale markers go at the next "
         "refresh)"},
};

const struct drill_def *drill_get(enum drill_id d)
{
    return (int)d >= 0 && d < DRILL__COUNT ? &drill_defs[d] : NULL;
}

int drill_find(const char *name)
{
    int i;

    for (i = 0; name && i < DRILL__COUNT; i++)
        if (strcmp(name, drill_defs[i].name) == 0)
            return i;
    return -1;
}

const char *drill_suggest(const char *name)
{
    const char *names[DRILL__COUNT];
    int i;

    if (!name)
        return NULL;
    for (i = 0; i < DRILL__COUNT; i++)
        names[i] = drill_defs[i].name;
    return settings_suggest(name, names, DRILL__COUNT);
}

void drill_list(struct buf *out)
{
    int i;

    buf_puts(out, "Drills (local platform only; pgdeck drill run CLUSTER "
                  "DRILL [--node ID]):\n");
    for (i = 0; i < DRILL__COUNT; i++) {
        const struct drill_def *d = &drill_defs[i];

        buf_printf(out, "\n%-13s %s\n", d->name, d->title);
        buf_printf(out, "  look for: %s\n", d->look);
        buf_printf(out, "  recover:  %s\n", d->recover);
    }
    buf_puts(out, "\npgdeck drill reset CLUSTER heals what the drills broke: "
                  "fault rules on the cluster's\npaths cleared, replay "
                  "resumed, fillers removed, machines left down started.\n"
                  "The platform must serve its fault endpoints: pgdeck local "
                  "up --drills.\n");
}

char *drill_refusal(const struct context *ctx, int read_only)
{
    if (!ctx)
        return x_strdup("no context");
    if (ctx->token != SETTINGS_TOKEN_PLATFORM)
        return x_asprintf("drills run only on the local platform (context "
                          "local); the current context is %s (%s): use "
                          "--context local",
                          ctx->name, ctx->api_url ? ctx->api_url : "");
    if (read_only || ctx->read_only)
        return x_asprintf("context %s is read-only: drills change the "
                          "platform (start without --read-only)",
                          ctx->name);
    return NULL;
}

/* ---- building ---- */

static void drill_add(struct drill_plan *p, char *what, const char *method,
                      char *path, char *body)
{
    struct drill_req *r;

    p->reqs = x_reallocarray(p->reqs, p->n_reqs + 1, sizeof *p->reqs);
    r = &p->reqs[p->n_reqs++];
    r->what = what;
    r->method = x_strdup(method);
    r->path = path;
    r->body = body;
}

static int drill_started(const struct fleet_node *n)
{
    return n->state && strcmp(n->state, "started") == 0;
}

/* "unknown node X of C; its nodes: a b c" */
static char *drill_no_node(const struct fleet_cluster *c, const char *node)
{
    struct buf b = BUF_INIT;
    size_t i;

    buf_printf(&b, "%s has no node %s; its nodes:", c->name, node);
    for (i = 0; i < c->n_nodes; i++)
        buf_printf(&b, " %s", c->nodes[i].id);
    return buf_steal(&b);
}

static const struct fleet_node *
drill_first_replica(const struct fleet_cluster *c, const struct fleet_node *p)
{
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        if (&c->nodes[i] != p && drill_started(&c->nodes[i]) &&
            c->nodes[i].role == FLEET_ROLE_REPLICA)
            return &c->nodes[i];
    return NULL;
}

static void drill_texts(struct drill_plan *p, const struct fleet_cluster *c,
                        const char *node, const char *look, char *recover)
{
    p->cluster = x_strdup(c->name);
    p->node = x_strdup(node ? node : "");
    p->look = x_strdup(look);
    p->recover = recover;
}

int drill_build(const struct fleet_cluster *c, enum drill_id d,
                const char *node, int64_t timeout_ms, struct drill_plan *p,
                char **cause)
{
    const struct fleet_node *pr = fleet_cluster_primary_node(c), *t = NULL;
    const struct drill_def *def = drill_get(d);
    const char *app = c->name;

    memset(p, 0, sizeof *p);
    p->id = d;
    if (!def) {
        *cause = x_strdup("not a drill");
        return -1;
    }
    if (node) {
        t = fleet_cluster_node(c, node);
        if (!t) {
            *cause = drill_no_node(c, node);
            return -1;
        }
    }
    switch (d) {
    case DRILL_KILL_PRIMARY:
        if (!pr || !drill_started(pr)) {
            *cause = x_asprintf("%s has no running primary to kill", app);
            return -1;
        }
        if (t && t != pr) {
            *cause = x_asprintf("%s is not the primary of %s (%s is): "
                                "kill-primary crashes the primary",
                                t->id, app, pr->id);
            return -1;
        }
        if (!drill_first_replica(c, pr)) {
            *cause = x_asprintf("%s has no running replica to fail over to "
                                "(make it highly available first: pgdeck ha "
                                "%s)",
                                app, app);
            return -1;
        }
        drill_texts(p, c, pr->id, def->look,
                    x_asprintf("the old primary %s stays down %d s, then the "
                               "platform starts it and it rejoins as a "
                               "replica; sooner: pgdeck restart %s %s; its "
                               "role back: pgdeck failover %s --to %s",
                               pr->id, DRILL_DOWN_S, app, pr->id, app, pr->id));
        drill_add(p,
                  x_asprintf("crash the primary %s (held down %d s)", pr->id,
                             DRILL_DOWN_S),
                  "POST",
                  x_asprintf("/admin/apps/%s/machines/%s/crash", app, pr->id),
                  x_asprintf("{\"down_s\":%d}", DRILL_DOWN_S));
        return 0;
    case DRILL_PAUSE_REPLAY:
        if (t && t == pr) {
            *cause = x_asprintf("%s is the primary of %s: replay pauses only "
                                "on a replica",
                                t->id, app);
            return -1;
        }
        if (t && (!drill_started(t) || t->role != FLEET_ROLE_REPLICA)) {
            *cause = x_asprintf("%s is not a running replica (state %s, role "
                                "%s)",
                                t->id, t->state ? t->state : "unknown",
                                fleet_role_name(t->role));
            return -1;
        }
        if (!t)
            t = drill_first_replica(c, pr);
        if (!t) {
            *cause = x_asprintf("%s has no running replica whose replay could "
                                "be paused",
                                app);
            return -1;
        }
        drill_texts(p, c, t->id, def->look,
                    x_asprintf("pgdeck restart %s %s (replay resumes when "
                               "Postgres starts), or pgdeck drill reset %s",
                               app, t->id, app));
        drill_add(p, x_asprintf("pause WAL replay on the replica %s", t->id),
                  "POST",
                  x_asprintf("/admin/apps/%s/machines/%s/replay", app, t->id),
                  x_strdup("{\"paused\":true}"));
        return 0;
    case DRILL_FILL_DISK: {
        long size, to;

        if (!t)
            t = pr;
        if (!t) {
            *cause = x_asprintf("%s has no primary whose volume to fill (name "
                                "one with --node)",
                                app);
            return -1;
        }
        if (!t->volume.id || !t->volume.id[0]) {
            *cause = x_asprintf("%s mounts no volume", t->id);
            return -1;
        }
        size = t->volume.size_gb > 0 ? t->volume.size_gb : 1;
        /* Under 80 % once extended: the filler keeps its bytes. */
        to = (size * DRILL_FILL_PCT + 79) / 80;
        if (to <= size)
            to = size + 1;
        drill_texts(p, c, t->id, def->look,
                    x_asprintf("pgdeck volume extend %s %ld --node %s (%ld GB "
                               "brings the use under 90 %%: writable again "
                               "within seconds), or pgdeck drill reset %s",
                               app, to, t->id, to, app));
        drill_add(
            p,
            x_asprintf("fill volume %s of %s to %d %%", t->volume.id, t->id,
                       DRILL_FILL_PCT),
            "POST",
            x_asprintf("/admin/apps/%s/volumes/%s/fill", app, t->volume.id),
            x_asprintf("{\"percent\":%d}", DRILL_FILL_PCT));
        return 0;
    }
    case DRILL_API_SLOW:
    case DRILL_API_FAILING: {
        int64_t ms = (timeout_ms > 0 ? timeout_ms : HTTP_DEFAULT_TIMEOUT_MS) +
                     DRILL_SLOW_EXTRA_MS;

        if (ms > 600000)
            ms = 600000;
        drill_texts(p, c, NULL, def->look,
                    x_asprintf("pgdeck drill reset %s", app));
        drill_add(p,
                  d == DRILL_API_SLOW
                      ? x_asprintf("delay the API's answers on %s's paths by "
                                   "%lld ms",
                                   app, (long long)ms)
                      : x_asprintf("answer 503 on %s's API paths", app),
                  "POST", x_strdup("/admin/faults"),
                  d == DRILL_API_SLOW
                      ? x_asprintf("{\"path\":\"/v1/apps/%s/*\","
                                   "\"latency_ms\":%lld}",
                                   app, (long long)ms)
                      : x_asprintf("{\"path\":\"/v1/apps/%s/*\","
                                   "\"status\":503}",
                                   app));
        return 0;
    }
    default:
        break;
    }
    *cause = x_strdup("not a drill");
    return -1;
}

/* The newest event of N is a kill (exit 137): a crash left it down. */
static int drill_crashed(const struct fleet_node *n)
{
    return n->n_events > 0 && n->events[0].type &&
           strcmp(n->events[0].type, "exit") == 0 &&
           n->events[0].exit_code == 137;
}

void drill_build_reset(const struct fleet_cluster *c, struct drill_plan *p)
{
    const char *app = c->name;
    size_t i;

    memset(p, 0, sizeof *p);
    p->id = DRILL_RESET;
    drill_texts(p, c, NULL,
                "every node started, replicas streaming, the volumes under "
                "90 %, fresh data (no ~)",
                x_asprintf("pgdeck status %s", app));
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        if (drill_started(n) && n->role == FLEET_ROLE_REPLICA)
            drill_add(
                p, x_asprintf("resume WAL replay on %s", n->id), "POST",
                x_asprintf("/admin/apps/%s/machines/%s/replay", app, n->id),
                x_strdup("{\"paused\":false}"));
    }
    for (i = 0; i < c->n_nodes + c->n_spare_volumes; i++) {
        const struct fleet_volume *v = i < c->n_nodes
                                           ? &c->nodes[i].volume
                                           : &c->spare_volumes[i - c->n_nodes];

        if (v->id && v->id[0])
            drill_add(p, x_asprintf("remove the filler of volume %s", v->id),
                      "POST",
                      x_asprintf("/admin/apps/%s/volumes/%s/fill", app, v->id),
                      x_strdup("{\"percent\":0}"));
    }
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        if (n->state &&
            (strcmp(n->state, "stopped") == 0 ||
             strcmp(n->state, "failed") == 0) &&
            drill_crashed(n))
            drill_add(
                p, x_asprintf("start %s (a crash left it %s)", n->id, n->state),
                "POST", x_asprintf("/v1/apps/%s/machines/%s/start", app, n->id),
                NULL);
    }
}

int drill_rule_of(const char *pattern, const char *app)
{
    static const char pre[] = "/v1/apps/";
    size_t n = strlen(app);
    const char *rest;

    if (!pattern || strncmp(pattern, pre, sizeof pre - 1) != 0)
        return 0;
    rest = pattern + sizeof pre - 1;
    if (strncmp(rest, app, n) != 0)
        return 0;
    rest += n;
    return rest[0] == '\0' || rest[0] == '/' || rest[0] == '*' ||
           rest[0] == '?';
}

int drill_reset_faults(struct drill_plan *p, const char *faults, char **cause)
{
    cJSON *arr = cJSON_Parse(faults ? faults : "");
    const cJSON *r;
    int added = 0;

    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        *cause = x_strdup("GET /admin/faults: the answer is not a list of "
                          "rules");
        return -1;
    }
    cJSON_ArrayForEach(r, arr)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(r, "path");

        if (!cJSON_IsNumber(id) || !cJSON_IsString(path) ||
            !drill_rule_of(path->valuestring, p->cluster))
            continue;
        /* Rules go first: the API must answer the other requests. */
        drill_add(p,
                  x_asprintf("clear fault rule %d on %s", id->valueint,
                             path->valuestring),
                  "DELETE", x_asprintf("/admin/faults/%d", id->valueint), NULL);
        if (p->n_reqs > 1) {
            struct drill_req last = p->reqs[p->n_reqs - 1];

            memmove(&p->reqs[added + 1], &p->reqs[added],
                    (p->n_reqs - 1 - (size_t)added) * sizeof *p->reqs);
            p->reqs[added] = last;
        }
        added++;
    }
    cJSON_Delete(arr);
    return added;
}

void drill_plan_clear(struct drill_plan *p)
{
    size_t i;

    for (i = 0; i < p->n_reqs; i++) {
        free(p->reqs[i].what);
        free(p->reqs[i].method);
        free(p->reqs[i].path);
        free(p->reqs[i].body);
    }
    free(p->reqs);
    free(p->cluster);
    free(p->node);
    free(p->look);
    free(p->recover);
    memset(p, 0, sizeof *p);
}

int drill_http(struct loop *l, const struct context *ctx, struct http **out,
               char **cause)
{
    struct context_token tok;
    struct http_config cfg;
    int rc;

    if (ctx->error) {
        *cause = x_asprintf("context %s: %s", ctx->name, ctx->error);
        return -1;
    }
    if (context_token_load(ctx, &tok, cause) != 0)
        return -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = ctx->api_url;
    cfg.token = tok.value;
    cfg.scheme = tok.scheme;
    cfg.retries = -1;
    cfg.timeout_ms = DRILL_HTTP_TIMEOUT_MS;
    cfg.prefix = "";
    rc = http_new(l, &cfg, out, cause);
    context_token_clear(&tok);
    return rc;
}

/* ---- the run ---- */

struct drill_run {
    struct http *h;
    struct drill_plan plan;
    struct http_req *req;
    size_t next; /* the request in flight or next */
    int probing; /* GET /admin/faults in flight */
    int rc;
    int failures; /* the reset's */
    char *error;
    struct buf log;
    drill_done_cb cb;
    void *arg;
};

static void drill_next(struct drill_run *r);

static void drill_end(struct drill_run *r, int rc, char *error)
{
    r->req = NULL;
    r->rc = rc;
    r->error = error;
    /* Last: the callback may free R. */
    r->cb(r, r->arg);
}

static int drill_rc_of(const struct http_result *res)
{
    return res->status == 0 ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILED;
}

static void drill_on_req(const struct http_result *res, void *arg)
{
    struct drill_run *r = arg;
    const struct drill_req *q = &r->plan.reqs[r->next];

    r->req = NULL;
    if (res->error) {
        buf_printf(&r->log, "  %-7s %s: %s\n", "FAILED", q->what, res->error);
        if (r->plan.id != DRILL_RESET) {
            drill_end(r, drill_rc_of(res),
                      x_asprintf("%s: %s %s: %s", q->what, q->method, q->path,
                                 res->error));
            return;
        }
        r->failures++;
        if (!r->error)
            r->error = x_asprintf("%s: %s", q->what, res->error);
    } else {
        buf_printf(&r->log, "  %-7s %s\n", "ok", q->what);
    }
    r->next++;
    drill_next(r);
}

static void drill_next(struct drill_run *r)
{
    const struct drill_req *q;

    if (r->next >= r->plan.n_reqs) {
        char *e = r->error;

        r->error = NULL;
        drill_end(r, r->failures ? CLI_EXIT_FAILED : CLI_EXIT_OK, e);
        return;
    }
    q = &r->plan.reqs[r->next];
    r->req =
        http_request(r->h, q->method, q->path, q->body,
                     q->body ? strlen(q->body) : 0, NULL, 0, drill_on_req, r);
}

char *drill_probe_error(int status, const char *error, const char *base,
                        int *rc)
{
    *rc = CLI_EXIT_OK;
    if (status == 404) {
        *rc = CLI_EXIT_REFUSED;
        return x_asprintf("pgdeck-platformd at %s does not serve its fault "
                          "endpoints (it was started without "
                          "--enable-faults): restart it with 'pgdeck local "
                          "down' then 'pgdeck local up --drills'",
                          base);
    }
    if (error) {
        *rc = status == 0 ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILED;
        return x_asprintf("GET /admin/faults: %s", error);
    }
    return NULL;
}

static void drill_on_probe(const struct http_result *res, void *arg)
{
    struct drill_run *r = arg;
    char *cause = NULL;
    int rc;

    r->req = NULL;
    r->probing = 0;
    cause =
        drill_probe_error(res->status, res->error, http_base_url(r->h), &rc);
    if (cause) {
        drill_end(r, rc, cause);
        return;
    }
    if (r->plan.id == DRILL_RESET &&
        drill_reset_faults(&r->plan, res->body, &cause) < 0) {
        drill_end(r, CLI_EXIT_FAILED, cause);
        return;
    }
    drill_next(r);
}

struct drill_run *drill_run_start(struct http *h, struct drill_plan *p,
                                  drill_done_cb cb, void *arg)
{
    struct drill_run *r = x_calloc(1, sizeof *r);

    r->h = h;
    r->plan = *p;
    memset(p, 0, sizeof *p);
    r->cb = cb;
    r->arg = arg;
    r->probing = 1;
    buf_reset(&r->log);
    r->req = http_get(h, "/admin/faults", drill_on_probe, r);
    return r;
}

void drill_run_free(struct drill_run *r)
{
    if (!r)
        return;
    if (r->req)
        http_cancel(r->req);
    drill_plan_clear(&r->plan);
    free(r->error);
    buf_free(&r->log);
    free(r);
}

int drill_run_rc(const struct drill_run *r)
{
    return r->rc;
}

const char *drill_run_error(const struct drill_run *r)
{
    return r->error;
}

const char *drill_run_log(const struct drill_run *r)
{
    return buf_str(&r->log);
}

const struct drill_plan *drill_run_plan(const struct drill_run *r)
{
    return &r->plan;
}
