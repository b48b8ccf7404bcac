#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/parse.h"
#include "src/platformd/render.h"
#include "src/platformd/routes.h"
#include "src/platformd/state.h"

#define ROUTES_LEASE_DEFAULT_TTL 30
#define ROUTES_LEASE_MAX_TTL 86400
#define ROUTES_LEASE_OWNER "local@pgdeck"

void routes_lease_get(struct http_req *r)
{
    struct st_machine *m;

    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m) {
        if (st_lease_active(m, ids_now_ms() / 1000))
            http_reply(r, 200, render_lease(m));
        else
            http_error(r, 404, "machine %s lease not found", m->id);
    }
    st_unlock();
}

void routes_lease_acquire(struct http_req *r)
{
    cJSON *body = http_json_body(r, 0);
    const cJSON *bttl, *desc;
    const char *qttl = http_query(r, "ttl");
    long ttl = ROUTES_LEASE_DEFAULT_TTL;
    long long now = ids_now_ms() / 1000;
    struct st_machine *m;

    if (!body)
        return;
    bttl = cJSON_GetObjectItemCaseSensitive(body, "ttl");
    desc = cJSON_GetObjectItemCaseSensitive(body, "description");
    if (qttl && parse_long(qttl, 1, ROUTES_LEASE_MAX_TTL, &ttl) == -1) {
        http_error(r, 400, "ttl must be 1..%d seconds", ROUTES_LEASE_MAX_TTL);
        goto out_nolock;
    }
    if (bttl && !cJSON_IsNull(bttl)) {
        if (!cJSON_IsNumber(bttl) || bttl->valuedouble < 1 ||
            bttl->valuedouble > ROUTES_LEASE_MAX_TTL) {
            http_error(r, 400, "ttl must be 1..%d seconds",
                       ROUTES_LEASE_MAX_TTL);
            goto out_nolock;
        }
        ttl = bttl->valueint;
    }
    if (desc && !cJSON_IsNull(desc) && !cJSON_IsString(desc)) {
        http_error(r, 400, "description must be a string");
        goto out_nolock;
    }
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m || routes_lease_check(r, m) == -1)
        goto out;
    if (st_lease_active(m, now)) {
        /* The holder refreshes its lease (the nonce matched). */
        m->lease.expires_at = now + ttl;
        if (cJSON_IsString(desc)) {
            free(m->lease.description);
            m->lease.description = x_strdup(desc->valuestring);
        }
    } else {
        st_lease_clear(m);
        m->lease.nonce = ids_nonce();
        m->lease.owner = x_strdup(ROUTES_LEASE_OWNER);
        m->lease.description =
            x_strdup(cJSON_IsString(desc) ? desc->valuestring : "");
        m->lease.expires_at = now + ttl;
    }
    st_changed();
    http_reply(r, 200, render_lease(m));
out:
    st_unlock();
out_nolock:
    cJSON_Delete(body);
}

void routes_lease_release(struct http_req *r)
{
    const char *nonce = http_header(r, "fly-machine-lease-nonce");
    struct st_machine *m;
    cJSON *o;

    if (!nonce || !*nonce) {
        http_error(r, 400, "the fly-machine-lease-nonce header is required");
        return;
    }
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (!m)
        goto out;
    if (!st_lease_active(m, ids_now_ms() / 1000)) {
        http_error(r, 404, "machine %s lease not found", m->id);
        goto out;
    }
    if (routes_lease_check(r, m) == -1)
        goto out;
    st_lease_clear(m);
    st_changed();
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "success");
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "data"), "ok", 1);
    http_reply(r, 200, o);
out:
    st_unlock();
}

void routes_metadata_get(struct http_req *r)
{
    struct st_machine *m;
    const cJSON *md;

    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m) {
        md = cJSON_GetObjectItemCaseSensitive(m->config, "metadata");
        http_reply(r, 200,
                   cJSON_IsObject(md) ? cJSON_Duplicate(md, 1)
                                      : cJSON_CreateObject());
    }
    st_unlock();
}

static cJSON *routes_metadata_obj(struct st_machine *m)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(m->config, "metadata");

    if (cJSON_IsObject(md))
        return md;
    cJSON_DeleteItemFromObjectCaseSensitive(m->config, "metadata");
    return cJSON_AddObjectToObject(m->config, "metadata");
}

void routes_metadata_set(struct http_req *r)
{
    cJSON *body = http_json_body(r, 1);
    const cJSON *v;
    struct st_machine *m;
    cJSON *md;

    if (!body)
        return;
    v = cJSON_GetObjectItemCaseSensitive(body, "value");
    if (!cJSON_IsString(v)) {
        http_error(r, 400, "value is required (a string)");
        cJSON_Delete(body);
        return;
    }
    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m && routes_lease_check(r, m) == 0) {
        md = routes_metadata_obj(m);
        if (cJSON_GetObjectItemCaseSensitive(md, r->params[2]))
            cJSON_ReplaceItemInObjectCaseSensitive(
                md, r->params[2], cJSON_CreateString(v->valuestring));
        else
            cJSON_AddStringToObject(md, r->params[2], v->valuestring);
        m->updated_ms = ids_now_ms();
        st_changed();
        http_reply(r, 204, NULL);
    }
    st_unlock();
    cJSON_Delete(body);
}

void routes_metadata_delete(struct http_req *r)
{
    struct st_machine *m;

    st_lock();
    m = routes_machine_lookup(r, 0);
    if (m && routes_lease_check(r, m) == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(routes_metadata_obj(m),
                                                r->params[2]);
        m->updated_ms = ids_now_ms();
        st_changed();
        http_reply(r, 204, NULL);
    }
    st_unlock();
}
