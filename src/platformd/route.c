#include "config.h"

#include <string.h>

#include "src/platformd/route.h"
#include "src/platformd/routes.h"

#define M "/v1/apps/:app/machines/:id"
#define V "/v1/apps/:app/volumes/:vol"

const struct route route_table[] = {
    {"GET", "/v1/apps", routes_apps_list, 0},
    {"POST", "/v1/apps", routes_apps_create, 0},
    {"GET", "/v1/apps/:app", routes_apps_get, 0},
    {"DELETE", "/v1/apps/:app", routes_apps_delete, 0},
    {"GET", "/v1/apps/:app/secrets", routes_secrets_list, 0},
    {"POST", "/v1/apps/:app/secrets", routes_secrets_update, 0},
    {"GET", "/v1/apps/:app/secrets/:name", routes_secrets_get, 0},
    {"POST", "/v1/apps/:app/secrets/:name", routes_secrets_set, 0},
    {"DELETE", "/v1/apps/:app/secrets/:name", routes_secrets_delete, 0},
    {"POST", "/graphql", routes_graphql, 0},
    {"GET", "/v1/apps/:app/machines", routes_machines_list, 0},
    {"POST", "/v1/apps/:app/machines", routes_machines_create, 0},
    {"GET", M, routes_machines_get, 0},
    {"POST", M, routes_machines_update, 0},
    {"DELETE", M, routes_machines_delete, 0},
    {"POST", M "/start", routes_machines_start, 0},
    {"POST", M "/stop", routes_machines_stop, 0},
    {"POST", M "/suspend", routes_machines_stop, 0},
    {"POST", M "/restart", routes_machines_restart, 0},
    {"POST", M "/signal", routes_machines_signal, 0},
    {"POST", M "/cordon", routes_machines_cordon, 0},
    {"POST", M "/uncordon", routes_machines_cordon, 0},
    {"GET", M "/wait", routes_machines_wait, 0},
    {"GET", M "/lease", routes_lease_get, 0},
    {"POST", M "/lease", routes_lease_acquire, 0},
    {"DELETE", M "/lease", routes_lease_release, 0},
    {"POST", M "/exec", routes_machines_exec, 0},
    {"GET", M "/metadata", routes_metadata_get, 0},
    {"POST", M "/metadata/:key", routes_metadata_set, 0},
    {"DELETE", M "/metadata/:key", routes_metadata_delete, 0},
    {"GET", M "/events", routes_machines_events, 0},
    {"GET", "/v1/apps/:app/volumes", routes_volumes_list, 0},
    {"POST", "/v1/apps/:app/volumes", routes_volumes_create, 0},
    {"GET", V, routes_volumes_get, 0},
    {"PUT", V, routes_volumes_update, 0},
    {"DELETE", V, routes_volumes_delete, 0},
    {"PUT", V "/extend", routes_volumes_extend, 0},
    {"GET", V "/snapshots", routes_volumes_snapshots, 0},
    {"POST", V "/snapshots", routes_volumes_snapshot_create, 0},
    {"GET", "/admin/faults", routes_admin_faults_list, ROUTE_ADMIN},
    {"POST", "/admin/faults", routes_admin_faults_add, ROUTE_ADMIN},
    {"DELETE", "/admin/faults", routes_admin_faults_clear, ROUTE_ADMIN},
    {"DELETE", "/admin/faults/:fid", routes_admin_faults_clear, ROUTE_ADMIN},
    {"POST", "/admin/apps/:app/machines/:id/crash", routes_admin_crash,
     ROUTE_ADMIN},
    {"POST", "/admin/apps/:app/machines/:id/host", routes_admin_host,
     ROUTE_ADMIN},
    {"POST", "/admin/apps/:app/machines/:id/stale", routes_admin_stale,
     ROUTE_ADMIN},
    {"POST", "/admin/apps/:app/machines/:id/replay", routes_admin_replay,
     ROUTE_ADMIN},
    {"POST", "/admin/apps/:app/volumes/:vol/fill", routes_admin_fill,
     ROUTE_ADMIN},
};

const size_t route_table_len = sizeof route_table / sizeof route_table[0];

/* Splits PATH into at most MAX segments in place; -1 if too many. */
static int route_split(char *path, char **segs, size_t max, size_t *n)
{
    char *p = path;

    *n = 0;
    while (*p == '/')
        p++;
    while (*p) {
        char *slash = strchr(p, '/');

        if (*n == max)
            return -1;
        segs[(*n)++] = p;
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
        if (*p == '\0')
            break; /* one trailing slash is tolerated */
        if (*p == '/')
            return -1; /* empty segment */
    }
    return 0;
}

static int route_pattern_match(const char *pattern, char **segs, size_t nsegs,
                               const char **params, size_t *np)
{
    char pat[160];
    char *psegs[16];
    size_t npsegs, i;

    if (strlen(pattern) >= sizeof pat)
        return 0;
    memcpy(pat, pattern, strlen(pattern) + 1);
    if (route_split(pat, psegs, 16, &npsegs) == -1 || npsegs != nsegs)
        return 0;
    *np = 0;
    for (i = 0; i < nsegs; i++) {
        if (psegs[i][0] == ':') {
            if (*np == ROUTE_MAX_PARAMS)
                return 0;
            params[(*np)++] = segs[i];
        } else if (strcmp(psegs[i], segs[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

enum route_match route_find(const struct route *tab, size_t n,
                            const char *method, char *path,
                            const struct route **out, const char **params,
                            size_t *nparams)
{
    char *segs[16];
    size_t nsegs, i, np;
    int known = 0;
    const char *tmp[ROUTE_MAX_PARAMS];

    *out = NULL;
    *nparams = 0;
    if (!path || path[0] != '/' || route_split(path, segs, 16, &nsegs) == -1)
        return ROUTE_NO_PATH;
    for (i = 0; i < n; i++) {
        if (!route_pattern_match(tab[i].pattern, segs, nsegs, tmp, &np))
            continue;
        known = 1;
        if (strcmp(tab[i].method, method) == 0) {
            *out = &tab[i];
            memcpy(params, tmp, np * sizeof *tmp);
            *nparams = np;
            return ROUTE_FOUND;
        }
    }
    return known ? ROUTE_BAD_METHOD : ROUTE_NO_PATH;
}
