#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include "src/buf.h"

#include "tests/unit/api_render.h"

static void render_map(struct buf *b, const char *prefix,
                       const struct api_map *m)
{
    size_t i;

    buf_printf(b, "|n_%s=%zu", prefix, m->n);
    for (i = 0; i < m->n; i++)
        buf_printf(b, "|%s.%s=%s", prefix, m->items[i].key, m->items[i].value);
}

static void render_machine(struct buf *b, const struct api_machine *m)
{
    const struct api_machine_config *c = &m->config;
    size_t i;

    buf_printf(b,
               "|id=%s|name=%s|state=%s|region=%s|instance_id=%s"
               "|private_ip=%s|host_status=%s|nonce=%s|created=%" PRId64
               "|updated=%" PRId64 "|has_config=%d|incomplete=%d"
               "|cordoned=%d|image=%s|cpu_kind=%s|cpus=%d|memory_mb=%d"
               "|restart=%s/%d|stop=%s/%" PRId64 "|auto_destroy=%d",
               m->id, m->name, m->state, m->region, m->instance_id,
               m->private_ip, m->host_status, m->nonce, m->created_at_ms,
               m->updated_at_ms, m->has_config, m->config_incomplete,
               m->cordoned, c->image, c->guest.cpu_kind, c->guest.cpus,
               c->guest.memory_mb, c->restart_policy, c->restart_max_retries,
               c->stop_signal, c->stop_timeout_ns, c->auto_destroy);
    render_map(b, "env", &c->env);
    render_map(b, "meta", &c->metadata);
    buf_printf(b, "|n_mounts=%zu", c->n_mounts);
    for (i = 0; i < c->n_mounts; i++)
        buf_printf(b, "|mount[%zu]=%s:%s:%s:%d:%d", i, c->mounts[i].volume,
                   c->mounts[i].path, c->mounts[i].name, c->mounts[i].size_gb,
                   c->mounts[i].encrypted);
    buf_printf(b, "|n_check_cfg=%zu", c->n_checks);
    for (i = 0; i < c->n_checks; i++) {
        const struct api_check_config *k = &c->checks[i];

        buf_printf(
            b, "|check_cfg[%s]=%s:%d:%s:%s:%s:%" PRId64 ":%" PRId64 ":%" PRId64,
            k->name, k->type, k->port, k->method, k->path, k->protocol,
            k->interval_ns, k->timeout_ns, k->grace_period_ns);
    }
    buf_printf(b, "|registry=%s|repository=%s|tag=%s|digest=%s",
               m->image_ref.registry, m->image_ref.repository, m->image_ref.tag,
               m->image_ref.digest);
    render_map(b, "label", &m->image_ref.labels);
    buf_printf(b, "|n_checks=%zu", m->n_checks);
    for (i = 0; i < m->n_checks; i++)
        buf_printf(b, "|check[%s]=%s:%s@%" PRId64, m->checks[i].name,
                   m->checks[i].status, m->checks[i].output,
                   m->checks[i].updated_at_ms);
    buf_printf(b, "|n_events=%zu", m->n_events);
    for (i = 0; i < m->n_events; i++) {
        const struct api_event *e = &m->events[i];

        buf_printf(b, "|event[%zu]=%s/%s/%s@%" PRId64, i, e->type, e->status,
                   e->source, e->timestamp_ms);
        if (e->has_exit)
            buf_printf(b, "/exit=%d/oom=%d", e->exit_code, e->oom_killed);
    }
    buf_printf(b, "|is_pg=%d|is_flex=%d|role=%s|active=%d",
               api_machine_is_postgres(m), api_machine_is_flex(m),
               api_machine_role(m), api_machine_is_active(m));
}

static void render_app(struct buf *b, const struct api_app *a)
{
    buf_printf(b,
               "|id=%s|name=%s|status=%s|network=%s|org=%s/%s|role=%s"
               "|machines=%d|volumes=%d|numeric_id=%" PRId64,
               a->id, a->name, a->status, a->network, a->org_name, a->org_slug,
               a->app_role, a->machine_count, a->volume_count,
               a->internal_numeric_id);
}

static void render_volume(struct buf *b, const struct api_volume *v)
{
    buf_printf(
        b,
        "|id=%s|name=%s|state=%s|region=%s|zone=%s|attached=%s"
        "|alloc=%s|fstype=%s|host_status=%s|size_gb=%d|encrypted=%d"
        "|backup=%d|retention=%d|created=%" PRId64 "|blocks=%" PRId64
        "|block_size=%" PRId64 "|blocks_free=%" PRId64 "|blocks_avail=%" PRId64
        "|bytes_total=%" PRId64 "|bytes_used=%" PRId64,
        v->id, v->name, v->state, v->region, v->zone, v->attached_machine_id,
        v->attached_alloc_id, v->fstype, v->host_status, v->size_gb,
        v->encrypted, v->auto_backup_enabled, v->snapshot_retention,
        v->created_at_ms, v->blocks, v->block_size, v->blocks_free,
        v->blocks_avail, v->bytes_total, v->bytes_used);
}

static void render_snapshot(struct buf *b, const struct api_snapshot *s)
{
    buf_printf(b,
               "|id=%s|digest=%s|status=%s|size=%" PRId64
               "|volume_size=%" PRId64 "|created=%" PRId64 "|retention=%d",
               s->id, s->digest, s->status, s->size, s->volume_size,
               s->created_at_ms, s->retention_days);
}

/* Decode JSON as KIND; on success render the result into *SUMMARY. */
int api_render_decode(enum api_render_kind kind, const char *json, size_t len,
                      char **summary, char **cause)
{
    struct buf b = BUF_INIT;
    size_t n = 0, i;
    int rc = -1;

    switch (kind) {
    case K_MACHINE: {
        struct api_machine m;

        rc = api_machine_decode(json, len, &m, cause);
        if (rc == 0)
            render_machine(&b, &m);
        api_machine_free(&m);
        break;
    }
    case K_MACHINES: {
        struct api_machine *v;

        rc = api_machines_decode(json, len, &v, &n, cause);
        buf_printf(&b, "|n=%zu|null=%d", n, !v);
        for (i = 0; i < n; i++)
            render_machine(&b, &v[i]);
        api_machines_free(v, n);
        break;
    }
    case K_APP: {
        struct api_app a;

        rc = api_app_decode(json, len, &a, cause);
        if (rc == 0)
            render_app(&b, &a);
        api_app_free(&a);
        break;
    }
    case K_APPS: {
        struct api_app *v;

        rc = api_apps_decode(json, len, &v, &n, cause);
        buf_printf(&b, "|n=%zu|null=%d", n, !v);
        for (i = 0; i < n; i++)
            render_app(&b, &v[i]);
        api_apps_free(v, n);
        break;
    }
    case K_VOLUME: {
        struct api_volume v;

        rc = api_volume_decode(json, len, &v, cause);
        if (rc == 0)
            render_volume(&b, &v);
        api_volume_free(&v);
        break;
    }
    case K_VOLUMES: {
        struct api_volume *v;

        rc = api_volumes_decode(json, len, &v, &n, cause);
        buf_printf(&b, "|n=%zu|null=%d", n, !v);
        for (i = 0; i < n; i++)
            render_volume(&b, &v[i]);
        api_volumes_free(v, n);
        break;
    }
    case K_EXTEND: {
        struct api_extend e;

        rc = api_extend_decode(json, len, &e, cause);
        if (rc == 0) {
            buf_printf(&b, "|needs_restart=%d", e.needs_restart);
            render_volume(&b, &e.volume);
        }
        api_extend_free(&e);
        break;
    }
    case K_SNAPSHOTS: {
        struct api_snapshot *v;

        rc = api_snapshots_decode(json, len, &v, &n, cause);
        buf_printf(&b, "|n=%zu|null=%d", n, !v);
        for (i = 0; i < n; i++)
            render_snapshot(&b, &v[i]);
        api_snapshots_free(v, n);
        break;
    }
    case K_SNAPSHOT_CREATED: {
        struct api_snapshot s;

        rc = api_snapshot_created_decode(json, len, &s, cause);
        if (rc == 0)
            render_snapshot(&b, &s);
        api_snapshot_free(&s);
        break;
    }
    case K_LEASE: {
        struct api_lease l;

        rc = api_lease_decode(json, len, &l, cause);
        if (rc == 0)
            buf_printf(&b,
                       "|status=%s|message=%s|nonce=%s|owner=%s"
                       "|description=%s|version=%s|expires_at=%" PRId64
                       "|ok=%d",
                       l.status, l.message, l.nonce, l.owner, l.description,
                       l.version, l.expires_at, l.ok);
        api_lease_free(&l);
        break;
    }
    case K_EXEC: {
        struct api_exec_result r;

        rc = api_exec_decode(json, len, &r, cause);
        if (rc == 0)
            buf_printf(&b, "|exit_code=%d|exit_signal=%d|stdout=%s|stderr=%s",
                       r.exit_code, r.exit_signal, r.stdout_text,
                       r.stderr_text);
        api_exec_free(&r);
        break;
    }
    case K_OK: {
        struct api_ok o;

        rc = api_ok_decode(json, len, &o, cause);
        if (rc == 0)
            buf_printf(&b, "|ok=%d|state=%s", o.ok, o.state);
        api_ok_free(&o);
        break;
    }
    case K_START: {
        struct api_start s;

        rc = api_start_decode(json, len, &s, cause);
        if (rc == 0)
            buf_printf(&b,
                       "|previous_state=%s|status=%s|message=%s"
                       "|new_host=%s|migrated=%d",
                       s.previous_state, s.status, s.message, s.new_host,
                       s.migrated);
        api_start_free(&s);
        break;
    }
    case K_METADATA: {
        struct api_map m;

        rc = api_metadata_decode(json, len, &m, cause);
        if (rc == 0)
            render_map(&b, "meta", &m);
        api_map_free(&m);
        break;
    }
    case K_ERROR: {
        struct api_error e;

        api_error_decode(json, len, 404, &e);
        rc = 0;
        buf_printf(&b, "|http=%d|message=%s|status=%s", e.http_status,
                   e.message, e.status);
        api_error_free(&e);
        break;
    }
    }
    buf_putc(&b, '|');
    *summary = buf_steal(&b);
    return rc;
}
