#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/routes.h"
#include "src/platformd/secrets.h"
#include "src/platformd/seed.h"
#include "src/platformd/state.h"

/*
 * routes_graphql: POST /graphql, the two calls of Fly's GraphQL API that
 * creating a Postgres cluster needs (doc/architecture.md "Secrets and the
 * flex boot"): the mutation enablePostgresConsul (the cluster's
 * FLY_CONSUL_URL) and the query latestImageTag (the image of a new
 * cluster).  Anything else is answered the GraphQL way: HTTP 200 with
 * "errors".  The query text is not parsed as GraphQL: the field's name
 * picks the call, its arguments come from "variables" ($name) or from a
 * quoted literal after "name:".
 */

static void gql_errors(struct http_req *r, const char *field, const char *msg)
{
    cJSON *o = cJSON_CreateObject(),
          *errs = cJSON_AddArrayToObject(o, "errors");
    cJSON *e = cJSON_CreateObject();

    cJSON_AddStringToObject(e, "message", msg);
    if (field)
        cJSON_AddItemToObject(e, "path", cJSON_CreateStringArray(&field, 1));
    cJSON_AddItemToArray(errs, e);
    cJSON_AddNullToObject(o, "data");
    http_reply(r, 200, o);
}

/* The argument ARG of the call in QUERY: after "ARG:", a $variable looked
 * up in VARS, a "literal", or null.  Owned, or NULL when absent. */
static char *gql_arg(const char *query, const cJSON *vars, const char *arg)
{
    size_t alen = strlen(arg);
    const char *p = query;

    for (p = strstr(p, arg); p; p = strstr(p, arg)) {
        const char *q = p + alen;

        /* Not a declaration ($arg: Type) nor a longer name. */
        if (p > query &&
            (p[-1] == '$' || p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
             (p[-1] >= 'A' && p[-1] <= 'Z'))) {
            p = q;
            continue;
        }
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (*q != ':') {
            p = q;
            continue;
        }
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (*q == '$') {
            size_t n = 1;
            char *name;
            const cJSON *v;

            while (q[n] == '_' || (q[n] >= 'a' && q[n] <= 'z') ||
                   (q[n] >= 'A' && q[n] <= 'Z') || (q[n] >= '0' && q[n] <= '9'))
                n++;
            name = x_strndup(q + 1, n - 1);
            v = cJSON_GetObjectItemCaseSensitive(vars, name);
            free(name);
            return cJSON_IsString(v) ? x_strdup(v->valuestring) : NULL;
        }
        if (*q == '"') {
            const char *end = strchr(q + 1, '"');

            return end ? x_strndup(q + 1, (size_t)(end - q - 1)) : NULL;
        }
        return NULL;
    }
    return NULL;
}

static void gql_consul(struct http_req *r, const char *query, const cJSON *vars)
{
    char *app = gql_arg(query, vars, "appId"), *url, *msg;
    struct st_app *a;
    cJSON *o, *d, *p;

    if (!app) {
        gql_errors(r, "enablePostgresConsul",
                   "enablePostgresConsul: input.appId is required");
        return;
    }
    st_lock();
    a = st_app_find(app);
    if (!a) {
        st_unlock();
        msg = x_asprintf("Could not find App \"%s\"", app);
        gql_errors(r, "enablePostgresConsul", msg);
        free(msg);
        free(app);
        return;
    }
    url = sec_consul_url(a);
    st_changed();
    o = cJSON_CreateObject();
    d = cJSON_AddObjectToObject(o, "data");
    p = cJSON_AddObjectToObject(d, "enablePostgresConsul");
    cJSON_AddStringToObject(p, "consulUrl", url);
    http_reply(r, 200, o);
    st_unlock();
    x_wipe(url, strlen(url));
    free(url);
    log_msg("graphql: consul enabled for app %s", app);
    free(app);
}

static void gql_latest_image(struct http_req *r, const char *query,
                             const cJSON *vars)
{
    char *repo = gql_arg(query, vars, "repository");
    char *snap = gql_arg(query, vars, "snapshotId"), *msg;
    cJSON *o, *d;
    int found = 1;

    if (!repo) {
        gql_errors(r, "latestImageTag",
                   "latestImageTag: repository is required");
        free(snap);
        return;
    }
    if (snap) {
        st_lock();
        found = routes_snapshot_find(snap, NULL) != 0;
        st_unlock();
    }
    if (!found) {
        msg = x_asprintf("Could not find Snapshot \"%s\"", snap);
        gql_errors(r, "latestImageTag", msg);
    } else if (strcmp(repo, "flyio/postgres-flex") != 0) {
        msg = x_asprintf("no image of repository \"%s\" is known to this "
                         "platform (only flyio/postgres-flex)",
                         repo);
        gql_errors(r, "latestImageTag", msg);
    } else {
        msg = NULL;
        o = cJSON_CreateObject();
        d = cJSON_AddObjectToObject(o, "data");
        cJSON_AddStringToObject(d, "latestImageTag", PD_LATEST_FLEX_IMAGE);
        http_reply(r, 200, o);
    }
    free(msg);
    free(repo);
    free(snap);
}

void routes_graphql(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *q, *vars;

    if (!body)
        return;
    q = cJSON_GetObjectItemCaseSensitive(body, "query");
    vars = cJSON_GetObjectItemCaseSensitive(body, "variables");
    if (!cJSON_IsString(q))
        gql_errors(r, NULL, "query is required (a string)");
    else if (vars && !cJSON_IsNull(vars) && !cJSON_IsObject(vars))
        gql_errors(r, NULL, "variables must be an object");
    else if (strstr(q->valuestring, "enablePostgresConsul"))
        gql_consul(r, q->valuestring, vars);
    else if (strstr(q->valuestring, "latestImageTag"))
        gql_latest_image(r, q->valuestring, vars);
    else
        gql_errors(r, NULL,
                   "this platform serves only the mutation "
                   "enablePostgresConsul and the query latestImageTag");
    cJSON_Delete(body);
}
