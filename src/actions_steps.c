#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/actions_impl.h"
#include "src/buf.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/xmalloc.h"

/*
 * actions_steps: the steps every builder uses (waits on a machine, exec
 * probes on the primary, the waits after a node restarted) and the JSON of
 * exec requests.  Paths are after "/v1" and use ${app}.
 */

char *actions_json(const cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    char *copy;

    if (!text)
        return x_strdup("{}"); /* cJSON could not allocate */
    copy = x_strdup(text);
    cJSON_free(text);
    return copy;
}

struct plan_step *actions_step(struct plan *p, char *title, const char *method,
                               char *path, char *body)
{
    struct plan_step *s = plan_add_step(p, title, method, path, body);

    free(title);
    free(path);
    free(body);
    return s;
}

struct plan_step *actions_abort_step(struct plan *p, char *title,
                                     const char *method, char *path, char *body)
{
    struct plan_step *s = plan_add_abort_step(p, title, method, path, body);

    free(title);
    free(path);
    free(body);
    s->best_effort = 1;
    return s;
}

void actions_mutating(struct plan_step *s, const char *id)
{
    s->mutates = 1;
    free(s->lease);
    s->lease = id ? x_strdup(id) : NULL;
}

struct plan_step *actions_wait_machine(struct plan *p, char *title,
                                       const char *id, enum plan_cond cond,
                                       const char *arg, int64_t timeout_ms)
{
    struct plan_step *s = actions_step(
        p, title, "GET", x_asprintf("/apps/${app}/machines/%s", id), NULL);

    s->kind = PLAN_STEP_WAIT;
    s->cond = cond;
    s->cond_arg = arg ? x_strdup(arg) : NULL;
    s->timeout_ms = timeout_ms;
    return s;
}

char *actions_exec_body(const char *const *argv, int timeout_s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *cmd = cJSON_AddArrayToObject(o, "command");
    char *text;

    /* Exec runs as root on a flex machine: repmgr refuses root, and root
     * has no pg_hba entry nor PGPORT.  As flyctl does over SSH, every tool
     * runs as postgres (gosu is on the image); psql names flex's port. */
    cJSON_AddItemToArray(cmd, cJSON_CreateString("gosu"));
    cJSON_AddItemToArray(cmd, cJSON_CreateString("postgres"));
    cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[0]));
    if (strcmp(argv[0], "psql") == 0) {
        cJSON_AddItemToArray(cmd, cJSON_CreateString("-p"));
        cJSON_AddItemToArray(cmd, cJSON_CreateString(ACTIONS_PG_PORT));
    }
    for (argv++; *argv; argv++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(*argv));
    cJSON_AddNumberToObject(o, "timeout", timeout_s);
    text = actions_json(o);
    cJSON_Delete(o);
    return text;
}

char *actions_exec_path(const char *id)
{
    return x_asprintf("/apps/${app}/machines/%s/exec", id);
}

struct plan_step *actions_wait_sql_one(struct plan *p, char *title,
                                       const char *node, char *sql)
{
    const char *argv[] = {"psql", "-Atc", sql, NULL};
    struct plan_step *s =
        actions_step(p, title, "POST", actions_exec_path(node),
                     actions_exec_body(argv, ACTIONS_EXEC_TIMEOUT_S));

    free(sql);
    s->kind = PLAN_STEP_WAIT;
    s->cond = PLAN_COND_EXEC_STDOUT;
    s->cond_arg = x_strdup("1");
    s->timeout_ms = ACTIONS_WAIT_STREAM_MS;
    s->interval_ms = ACTIONS_EXEC_INTERVAL_MS;
    return s;
}

/* Appends 'S' to B as an SQL literal (quotes doubled). */
static void actions_sql_lit(struct buf *b, const char *s)
{
    buf_putc(b, '\'');
    for (; s && *s; s++) {
        if (*s == '\'')
            buf_putc(b, '\'');
        buf_putc(b, *s);
    }
    buf_putc(b, '\'');
}

/* Appends N's possible names (id, hostname, private IP) to B. */
static void actions_names_of(struct buf *b, const struct fleet_cluster *c,
                             const char *id, const char *ip)
{
    char *host = x_asprintf("%s.vm.%s.internal", id, c->name);

    actions_sql_lit(b, id);
    buf_puts(b, ", ");
    actions_sql_lit(b, host);
    if (ip && *ip) {
        buf_puts(b, ", ");
        actions_sql_lit(b, ip);
    }
    free(host);
}

char *actions_name_pred(const struct fleet_cluster *c, const char *column,
                        const char *id)
{
    const struct fleet_node *n = fleet_cluster_node(c, id);
    struct buf b = BUF_INIT;
    int old = 0;
    size_t i;

    for (i = 0; i < c->n_nodes; i++)
        old |= actions_flex_before(&c->nodes[i], 0, 0, 63);
    if (!n && old && strncmp(id, "${", 2) == 0) {
        buf_printf(&b, "%s not in (", column);
        for (i = 0; i < c->n_nodes; i++) {
            if (i)
                buf_puts(&b, ", ");
            actions_names_of(&b, c, c->nodes[i].id, c->nodes[i].private_ip);
        }
        buf_puts(&b, ")");
        return buf_steal(&b);
    }
    buf_printf(&b, "%s in (", column);
    actions_names_of(&b, c, id, n ? n->private_ip : NULL);
    buf_puts(&b, ")");
    return buf_steal(&b);
}

struct plan_step *actions_wait_streaming(struct plan *p,
                                         const struct fleet_cluster *c,
                                         char *title, const char *primary,
                                         const char *replica)
{
    char *pred = actions_name_pred(c, "application_name", replica);
    struct plan_step *s = actions_wait_sql_one(
        p, title, primary,
        x_asprintf("select count(*) from pg_stat_replication where %s and "
                   "state = 'streaming'",
                   pred));

    free(pred);
    return s;
}

void actions_check(struct plan_step *s, const char *method, char *path,
                   char *body, enum plan_cond cond, const char *arg)
{
    struct plan_check *k = x_calloc(1, sizeof *k);

    k->req.method = x_strdup(method);
    k->req.path = path;
    k->req.body = body;
    k->cond = cond;
    k->cond_arg = arg ? x_strdup(arg) : NULL;
    s->reconcile = PLAN_RECONCILE_CHECK;
    s->check = k;
}

void actions_which(const struct fleet_cluster *c, const struct fleet_node *n,
                   size_t i, size_t n_replicas, char *out, size_t len)
{
    if (actions_is_primary(c, n))
        (void)snprintf(out, len, "the primary");
    else if (n_replicas > 1)
        (void)snprintf(out, len, "replica %zu of %zu", i + 1, n_replicas);
    else if (actions_primary(c))
        (void)snprintf(out, len, "a replica");
    else
        (void)snprintf(out, len, "role unknown");
}

/* Declares variable PREFIX_ID and sets CAP on S; the variable's name, or
 * NULL when none is left (owned). */
static char *actions_boot_var(struct plan *p, struct plan_step *s,
                              const char *prefix, const char *id,
                              enum plan_capture cap)
{
    char *var = x_asprintf("%s_%s", prefix, id);

    if (plan_set_var(p, var, NULL) != 0) {
        free(var);
        return NULL;
    }
    s->capture = cap;
    free(s->capture_var);
    s->capture_var = x_strdup(var);
    return var;
}

char *actions_boot_update(struct plan *p, struct plan_step *s, const char *id)
{
    char *var = actions_boot_var(p, s, "instance", id, PLAN_CAPTURE_INSTANCE),
         *b;

    if (!var)
        return NULL;
    b = x_asprintf("instance:${%s}", var);
    free(var);
    return b;
}

char *actions_boot_restart(struct plan *p, struct plan_step *s, const char *id)
{
    char *var = actions_boot_var(p, s, "restarted", id, PLAN_CAPTURE_BEGAN), *b;

    if (!var)
        return NULL;
    b = x_asprintf("since:${%s}", var);
    free(var);
    return b;
}

/* Sets the boot of the last step of P to BOOT (copied; NULL: none). */
static void actions_boot_set(struct plan *p, const char *boot)
{
    struct plan_step *s = &p->steps[p->n_steps - 1];

    free(s->boot);
    s->boot = boot ? x_strdup(boot) : NULL;
}

void actions_wait_back(struct plan *p, const struct fleet_cluster *c,
                       const struct fleet_node *n, char *boot)
{
    const struct fleet_node *prim = actions_primary(c);
    struct plan_step *s;
    size_t i;

    if (boot && strncmp(boot, "instance:", 9) == 0) {
        /* The platform answers when that version is started (408 after a
         * minute: asked again until the step's timeout). */
        s = actions_step(p,
                         x_asprintf("wait for the new version of %s to be "
                                    "started",
                                    n->id),
                         "GET",
                         x_asprintf("/apps/${app}/machines/%s/wait?instance_id="
                                    "%s&state=started&timeout=%d",
                                    n->id, boot + 9, ACTIONS_PLATFORM_WAIT_S),
                         NULL);
        s->kind = PLAN_STEP_WAIT;
        s->timeout_ms = ACTIONS_WAIT_START_MS;
    } else {
        actions_wait_machine(p, x_asprintf("wait for %s to be started", n->id),
                             n->id, PLAN_COND_MACHINE_STATE, "started",
                             ACTIONS_WAIT_START_MS);
        actions_boot_set(p, boot);
    }
    actions_wait_machine(
        p, x_asprintf("wait for every check of %s to pass", n->id), n->id,
        PLAN_COND_CHECKS_PASSING, NULL, ACTIONS_WAIT_CHECKS_MS);
    actions_boot_set(p, boot);
    if (!prim)
        goto out;
    if (n != prim) {
        actions_wait_streaming(
            p, c,
            x_asprintf("wait for %s to stream from the primary %s", n->id,
                       prim->id),
            prim->id, n->id);
        goto out;
    }
    actions_wait_machine(p,
                         x_asprintf("wait for the role check of %s to say "
                                    "primary",
                                    n->id),
                         n->id, PLAN_COND_ROLE, "primary",
                         ACTIONS_WAIT_ROLE_MS);
    actions_boot_set(p, boot);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *r = &c->nodes[i];

        if (r == prim || !actions_started(r))
            continue;
        actions_wait_streaming(
            p, c,
            x_asprintf("wait for %s to stream from the primary %s again", r->id,
                       prim->id),
            prim->id, r->id);
    }
out:
    free(boot);
}

void actions_abort_start(struct plan *p, const struct fleet_node *n)
{
    struct plan_step *s = actions_abort_step(
        p, x_asprintf("start %s again (when it was left stopped)", n->id),
        "POST", x_asprintf("/apps/${app}/machines/%s/start", n->id), NULL);

    actions_mutating(s, n->id);
}

void actions_image_step(struct plan *p)
{
    static const char q[] =
        "{\"query\":\"query($repository: String!, $snapshotId: ID) { "
        "latestImageTag(repository: $repository, snapshotId: $snapshotId) "
        "}\",\"variables\":{\"repository\":\"" ACTIONS_FLEX_REPO
        "\",\"snapshotId\":null}}";
    struct plan_step *s;

    plan_set_var(p, "image", NULL);
    s = actions_step(p,
                     x_strdup("look up the newest " ACTIONS_FLEX_REPO
                              " image (GraphQL latestImageTag)"),
                     "POST", x_strdup("/graphql"), x_strdup(q));
    s->graphql = 1;
    s->cond = PLAN_COND_GRAPHQL_OK;
    s->capture = PLAN_CAPTURE_IMAGE_TAG;
    s->capture_var = x_strdup("image");
}

void actions_secrets_steps(struct plan *p, const char *app,
                           const char *restored_from)
{
    static const char *const pw[] = {"SU_PASSWORD", "OPERATOR_PASSWORD",
                                     "REPL_PASSWORD"};
    cJSON *o = cJSON_CreateObject(), *values, *vars;
    struct plan_step *s;
    char *ref;
    size_t i;

    cJSON_AddStringToObject(o, "query",
                            "mutation($appName: ID!) { enablePostgresConsul("
                            "input: {appId: $appName}) { consulUrl } }");
    vars = cJSON_AddObjectToObject(o, "variables");
    cJSON_AddStringToObject(vars, "appName", app);
    s = actions_step(p,
                     x_asprintf("enable Consul for %s: its FLY_CONSUL_URL "
                                "(GraphQL enablePostgresConsul)",
                                app),
                     "POST", x_strdup("/graphql"), actions_json(o));
    cJSON_Delete(o);
    s->graphql = 1;
    s->mutates = 1;
    s->cond = PLAN_COND_GRAPHQL_OK;
    s->capture = PLAN_CAPTURE_CONSUL_URL;
    s->capture_var = x_strdup("FLY_CONSUL_URL");

    o = cJSON_CreateObject();
    values = cJSON_AddObjectToObject(o, "values");
    for (i = 0; i < sizeof pw / sizeof pw[0]; i++) {
        ref = x_asprintf("${secret:%s}", pw[i]);
        cJSON_AddStringToObject(values, pw[i], ref);
        free(ref);
    }
    cJSON_AddStringToObject(values, "FLY_CONSUL_URL",
                            "${secret:FLY_CONSUL_URL}");
    if (restored_from)
        cJSON_AddStringToObject(values, "FLY_RESTORED_FROM", restored_from);
    plan_set_var(p, "secrets_version", NULL);
    s = actions_step(
        p,
        x_asprintf("set the secrets postgres-flex needs on %s (generated "
                   "passwords, the Consul URL%s; values never shown)",
                   app, restored_from ? ", FLY_RESTORED_FROM" : ""),
        "POST", x_strdup("/apps/${app}/secrets"), actions_json(o));
    cJSON_Delete(o);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_SECRETS_VERSION;
    s->capture_var = x_strdup("secrets_version");
}

void actions_secrets_version_var(struct plan *p, const struct action_args *a)
{
    char v[32];

    if (a->secrets_version <= 0)
        return;
    (void)snprintf(v, sizeof v, "%lld", a->secrets_version);
    plan_set_var(p, "secrets_version", v);
}

void actions_min_secrets(cJSON *body)
{
    cJSON_AddStringToObject(body, "min_secrets_version",
                            "${num:secrets_version}");
}

void actions_app_step(struct plan *p, const char *name, const char *org)
{
    cJSON *o = cJSON_CreateObject();
    struct plan_step *s;

    cJSON_AddStringToObject(o, "app_name", name);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "org_slug", org);
    cJSON_AddStringToObject(o, "app_role_id", "postgres_cluster");
    s = actions_step(p, x_asprintf("create the app %s in org %s", name, org),
                     "POST", x_strdup("/apps"), actions_json(o));
    cJSON_Delete(o);
    s->mutates = 1;
    s->capture = PLAN_CAPTURE_ID;
    s->capture_var = x_strdup("app_id");
    actions_check(s, "GET", x_strdup("/apps/${app}"), NULL, PLAN_COND_OK, NULL);
}
