#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/platformd/ids.h"
#include "src/platformd/render.h"

#define RENDER_PG_VERSION "15"

static void render_time(cJSON *o, const char *key, long long ms, int with_ms)
{
    char t[40];

    ids_rfc3339(ms, with_ms, t, sizeof t);
    cJSON_AddStringToObject(o, key, t);
}

static void render_str(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

cJSON *render_labels(const struct st_machine *m)
{
    cJSON *l = cJSON_CreateObject();
    const char *pgv = m->img_tag && m->img_tag[0] >= '0' && m->img_tag[0] <= '9'
                          ? m->img_tag
                          : RENDER_PG_VERSION;

    /* As the images' Dockerfiles label them: flex adds fly.pg-manager,
     * stolon (postgres-ha) has none. */
    if (m->pg_flavor != ST_PG_NONE) {
        cJSON_AddStringToObject(l, "fly.app_role", "postgres_cluster");
        if (m->pg_flavor == ST_PG_FLEX)
            cJSON_AddStringToObject(l, "fly.pg-manager", "repmgr");
        cJSON_AddStringToObject(l, "fly.pg-version", pgv);
        cJSON_AddStringToObject(l, "fly.version",
                                m->img_version ? m->img_version : "");
    }
    return l;
}

cJSON *render_event(const struct st_event *e)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "type", e->type);
    cJSON_AddStringToObject(o, "status", e->status);
    cJSON_AddStringToObject(o, "source", e->source);
    cJSON_AddNumberToObject(o, "timestamp", (double)e->ts_ms);
    if (e->has_exit) {
        cJSON *req = cJSON_AddObjectToObject(o, "request");
        cJSON *x = cJSON_AddObjectToObject(req, "exit_event");
        char t[40];

        cJSON_AddNumberToObject(x, "exit_code", e->exit_code);
        cJSON_AddNumberToObject(x, "guest_exit_code", e->exit_code);
        cJSON_AddNumberToObject(x, "signal", e->exit_signal);
        cJSON_AddBoolToObject(x, "oom_killed", 0);
        cJSON_AddBoolToObject(x, "requested_stop", e->requested_stop);
        cJSON_AddBoolToObject(x, "restarting", e->restarting);
        ids_rfc3339(e->ts_ms, 0, t, sizeof t);
        cJSON_AddStringToObject(x, "exited_at", t);
    }
    return o;
}

cJSON *render_machine(const struct st_machine *m, int summary)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *img;
    size_t i;

    cJSON_AddStringToObject(o, "id", m->id);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "state", m->state);
    cJSON_AddStringToObject(o, "region", m->region);
    cJSON_AddStringToObject(o, "instance_id", m->instance_id);
    render_str(o, "private_ip", m->private_ip);
    /* A machine whose host is not ok has no config, only a partial copy
     * (doc/pgdeck-platformd.8, the host fault). */
    if (!summary)
        cJSON_AddItemToObject(o,
                              m->host_status && !m->host_keeps_config
                                  ? "incomplete_config"
                                  : "config",
                              cJSON_Duplicate(m->config, 1));
    img = cJSON_AddObjectToObject(o, "image_ref");
    cJSON_AddStringToObject(img, "registry", m->img_registry);
    cJSON_AddStringToObject(img, "repository", m->img_repository);
    cJSON_AddStringToObject(img, "tag", m->img_tag);
    cJSON_AddStringToObject(img, "digest", m->img_digest);
    cJSON_AddItemToObject(img, "labels", render_labels(m));
    render_time(o, "created_at", m->created_ms, 0);
    render_time(o, "updated_at", m->updated_ms, 0);
    if (!summary) {
        cJSON *ev = cJSON_AddArrayToObject(o, "events");
        cJSON *ck = cJSON_AddArrayToObject(o, "checks");

        for (i = 0; i < m->nevents; i++)
            cJSON_AddItemToArray(ev, render_event(&m->events[i]));
        for (i = 0; i < m->nchecks; i++) {
            cJSON *c = cJSON_CreateObject();

            cJSON_AddStringToObject(c, "name", m->checks[i].name);
            cJSON_AddStringToObject(c, "status", m->checks[i].status);
            cJSON_AddStringToObject(c, "output", m->checks[i].output);
            render_time(c, "updated_at", m->checks[i].updated_ms, 0);
            cJSON_AddItemToArray(ck, c);
        }
        cJSON_AddStringToObject(o, "host_status",
                                m->host_status ? m->host_status : "ok");
        if (m->create_nonce)
            cJSON_AddStringToObject(o, "nonce", m->create_nonce);
    }
    cJSON_AddBoolToObject(o, "cordoned", m->cordoned);
    return o;
}

cJSON *render_volume(const struct st_volume *v, const struct vol_usage *u)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "id", v->id);
    cJSON_AddStringToObject(o, "name", v->name);
    cJSON_AddStringToObject(o, "state", v->state);
    cJSON_AddNumberToObject(o, "size_gb", v->size_gb);
    cJSON_AddStringToObject(o, "region", v->region);
    cJSON_AddStringToObject(o, "zone", v->zone);
    cJSON_AddBoolToObject(o, "encrypted", v->encrypted);
    render_str(o, "attached_machine_id", v->attached_machine_id);
    cJSON_AddNullToObject(o, "attached_alloc_id");
    render_time(o, "created_at", v->created_ms, 1);
    cJSON_AddNumberToObject(o, "blocks", u ? (double)u->blocks : 0);
    cJSON_AddNumberToObject(o, "block_size", u ? (double)u->block_size : 0);
    cJSON_AddNumberToObject(o, "blocks_free", u ? (double)u->blocks_free : 0);
    cJSON_AddNumberToObject(o, "blocks_avail", u ? (double)u->blocks_avail : 0);
    cJSON_AddStringToObject(o, "fstype", u && u->fstype ? u->fstype : "");
    cJSON_AddNumberToObject(o, "snapshot_retention", v->snapshot_retention);
    cJSON_AddBoolToObject(o, "auto_backup_enabled", v->auto_backup_enabled);
    cJSON_AddStringToObject(o, "host_dedication_key", "");
    cJSON_AddStringToObject(o, "host_status", "ok");
    return o;
}

cJSON *render_snapshot(const struct st_snapshot *s)
{
    cJSON *o = cJSON_CreateObject();
    char t[48];

    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddNumberToObject(o, "size", (double)s->size);
    cJSON_AddNumberToObject(o, "volume_size", (double)s->volume_size);
    cJSON_AddStringToObject(o, "digest", s->digest);
    ids_rfc3339(s->created_ms, 0, t, sizeof t);
    cJSON_AddStringToObject(o, "created_at", t);
    cJSON_AddStringToObject(o, "status", "created");
    cJSON_AddNumberToObject(o, "retention_days", s->retention_days);
    cJSON_AddStringToObject(o, "type", s->automatic ? "auto" : "on-demand");
    return o;
}

cJSON *render_app(const struct st_app *a)
{
    cJSON *o = cJSON_CreateObject(), *org;
    int nm = 0, nv = 0;
    size_t i;

    for (i = 0; i < st.nmachines; i++)
        if (!st.machines[i]->destroyed &&
            strcmp(st.machines[i]->app, a->name) == 0)
            nm++;
    for (i = 0; i < st.nvolumes; i++)
        if (!st.volumes[i]->destroyed &&
            strcmp(st.volumes[i]->app, a->name) == 0)
            nv++;
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "name", a->name);
    cJSON_AddNumberToObject(o, "machine_count", nm);
    cJSON_AddNumberToObject(o, "volume_count", nv);
    cJSON_AddStringToObject(o, "network", "default");
    cJSON_AddStringToObject(o, "status", nm > 0 ? "deployed" : "pending");
    cJSON_AddStringToObject(o, "app_role", a->role);
    org = cJSON_AddObjectToObject(o, "organization");
    cJSON_AddStringToObject(org, "name", a->org);
    cJSON_AddStringToObject(org, "slug", a->org);
    return o;
}

cJSON *render_lease(const struct st_machine *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *d;

    cJSON_AddStringToObject(o, "status", "success");
    d = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(d, "nonce", m->lease.nonce ? m->lease.nonce : "");
    cJSON_AddNumberToObject(d, "expires_at", (double)m->lease.expires_at);
    cJSON_AddStringToObject(d, "owner", m->lease.owner ? m->lease.owner : "");
    cJSON_AddStringToObject(d, "description",
                            m->lease.description ? m->lease.description : "");
    cJSON_AddStringToObject(d, "version", m->instance_id);
    return o;
}
