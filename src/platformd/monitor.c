#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/monitor.h"
#include "src/platformd/ops.h"
#include "src/platformd/routes.h"
#include "src/platformd/runtime.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

#define MONITOR_NCHECKS 3

struct monitor_item {
    struct st_machine *m;
    struct ops_snap *snap;
    char *instance_id;
    const char *names[MONITOR_NCHECKS];
    size_t nnames;
    int readonly;
    /* results */
    int skipped;
    int alive;
    struct st_check checks[MONITOR_NCHECKS];
    int set_readonly; /* -1 unchanged, else new value */
};

static pthread_t monitor_thread;
static int monitor_running;

static const char *const monitor_check_names[MONITOR_NCHECKS] = {"pg", "role",
                                                                 "vm"};

int monitor_should_restart(const char *policy, int max_retries, int restarts)
{
    if (policy && strcmp(policy, "no") == 0)
        return 0;
    if (policy && strcmp(policy, "always") == 0)
        return 1;
    if (max_retries <= 0)
        max_retries = 10;
    return restarts < max_retries;
}

static void monitor_collect(struct monitor_item **items, size_t *n)
{
    size_t i, k;

    *items = NULL;
    *n = 0;
    for (i = 0; i < st.nmachines; i++) {
        struct st_machine *m = st.machines[i];
        const cJSON *checks =
            cJSON_GetObjectItemCaseSensitive(m->config, "checks");
        struct monitor_item *it;

        if (m->destroyed || m->worker_running ||
            strcmp(m->state, "started") != 0)
            continue;
        *items = x_reallocarray(*items, *n + 1, sizeof **items);
        it = &(*items)[(*n)++];
        memset(it, 0, sizeof *it);
        it->m = m;
        it->snap = ops_snap_take(m, 0);
        it->instance_id = x_strdup(m->instance_id);
        it->readonly = m->readonly;
        it->set_readonly = -1;
        for (k = 0; k < MONITOR_NCHECKS; k++)
            if (m->is_postgres || cJSON_GetObjectItemCaseSensitive(
                                      checks, monitor_check_names[k]))
                it->names[it->nnames++] = monitor_check_names[k];
    }
}

static void monitor_disk_rule(struct monitor_item *it)
{
    struct vol_usage u;
    char *cause = NULL;
    int over;

    if (!it->snap->rt.volume_id || it->snap->rt.volume_bytes <= 0)
        return;
    if (vol_usage(it->snap->rt.volume_id, (uint64_t)it->snap->rt.volume_bytes,
                  &u, &cause) == -1) {
        free(cause);
        return;
    }
    if (u.blocks == 0)
        return;
    /* flex's trigger: (blocks - blocks_avail) / blocks over 90 %. */
    over = (u.blocks - u.blocks_avail) * 100 > u.blocks * MONITOR_READONLY_PCT;
    if (over == it->readonly)
        return;
    if (rt_set_readonly(&it->snap->rt, over, &cause) == -1) {
        log_msg("disk-capacity: %s: %s", it->snap->rt.id, cause);
        free(cause);
        return;
    }
    log_msg("disk-capacity: %s volume %llu%% used: cluster read-only %s",
            it->snap->rt.id,
            (unsigned long long)((u.blocks - u.blocks_avail) * 100 / u.blocks),
            over ? "on" : "off");
    it->set_readonly = over;
}

static void monitor_probe(struct monitor_item *it)
{
    size_t k;
    int is_primary = 0;

    ops_snap_resolve(it->snap);
    if (pthread_mutex_trylock(&it->m->rtmu) != 0) {
        it->skipped = 1;
        return;
    }
    it->alive = rt_alive(&it->snap->rt);
    for (k = 0; it->alive && k < it->nnames; k++) {
        char *out = NULL;
        int rc = rt_check(&it->snap->rt, it->names[k], &out);

        it->checks[k].name = x_strdup(it->names[k]);
        it->checks[k].status = x_strdup(rc == 0 ? "passing" : "critical");
        it->checks[k].output =
            out ? out : x_strdup(rc == -1 ? "unknown check" : "");
        it->checks[k].updated_ms = ids_now_ms();
        if (strcmp(it->names[k], "role") == 0 && out &&
            strcmp(out, "primary") == 0)
            is_primary = 1;
    }
    if (it->alive && it->snap->rt.is_postgres && is_primary)
        monitor_disk_rule(it);
    if (it->alive && it->snap->rt.is_postgres)
        rt_flexmon_tick(&it->snap->rt, ids_now_ms());
    pthread_mutex_unlock(&it->m->rtmu);
}

static void monitor_apply(struct monitor_item *it, int *changed)
{
    struct st_machine *m = it->m;
    const cJSON *restart =
        cJSON_GetObjectItemCaseSensitive(m->config, "restart");
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(restart, "policy");
    const cJSON *maxr =
        cJSON_GetObjectItemCaseSensitive(restart, "max_retries");
    struct st_event *e;
    int again;

    if (it->skipped || m->destroyed || m->worker_running ||
        strcmp(m->state, "started") != 0 ||
        strcmp(m->instance_id, it->instance_id) != 0)
        return;
    if (it->set_readonly >= 0)
        m->readonly = it->set_readonly;
    if (it->alive) {
        st_machine_set_checks(m, it->checks, it->nnames);
        return;
    }
    again = monitor_should_restart(
        cJSON_IsString(policy) && policy->valuestring[0] ? policy->valuestring
                                                         : NULL,
        cJSON_IsNumber(maxr) ? maxr->valueint : 0, m->restart_count);
    /* Crashed with down_s: held down whatever the policy (monitor_held). */
    if (m->down_until_ms > ids_now_ms())
        again = 0;
    else
        m->down_until_ms = 0;
    e = st_machine_event(m, "exit", "stopped", "flyd");
    e->has_exit = 1;
    e->exit_code = 137;
    e->exit_signal = 9;
    e->restarting = again;
    st_machine_set_checks(m, NULL, 0);
    log_msg("monitor: machine %s died; %s", m->id,
            again              ? "restarting"
            : m->down_until_ms ? "held down (crash fault down_s)"
                               : "left stopped");
    if (again) {
        m->restart_count++;
        st_machine_set_state(m, "starting");
        ops_enqueue(m, ST_OP_START, 0, 0);
    } else {
        st_machine_set_state(m, "stopped");
    }
    *changed = 1;
}

/* Starts the machines a crash fault held down once their down_s ended
 * (lock held).  One started through the API in the meantime has no hold
 * left. */
static void monitor_held(int *changed)
{
    long long now = ids_now_ms();
    size_t i;

    for (i = 0; i < st.nmachines; i++) {
        struct st_machine *m = st.machines[i];

        if (!m->down_until_ms || m->down_until_ms > now)
            continue;
        m->down_until_ms = 0;
        if (m->destroyed || m->worker_running ||
            strcmp(m->state, "stopped") != 0)
            continue;
        log_msg("monitor: machine %s: down_s over, starting it", m->id);
        st_machine_event(m, "start", "starting", "flyd");
        st_machine_set_state(m, "starting");
        ops_enqueue(m, ST_OP_START, 0, 0);
        *changed = 1;
    }
}

static void monitor_free_item(struct monitor_item *it)
{
    size_t k;

    ops_snap_free(it->snap);
    free(it->instance_id);
    for (k = 0; k < MONITOR_NCHECKS; k++) {
        free(it->checks[k].name);
        free(it->checks[k].status);
        free(it->checks[k].output);
    }
}

static long long monitor_day_ms = MONITOR_DAY_MS;

long long monitor_day(void)
{
    return monitor_day_ms;
}

void monitor_set_day_ms(long long ms)
{
    monitor_day_ms = ms > 0 ? ms : MONITOR_DAY_MS;
}

/* Daily snapshots and retention (lock held; dropped while copying). */
static void monitor_snapshots(void)
{
    long long now = ids_now_ms();
    size_t i, j;

    for (i = 0; i < st.nvolumes && !st.shutting_down; i++) {
        struct st_volume *v = st.volumes[i];

        if (v->destroyed || v->busy)
            continue;
        if (v->auto_backup_enabled &&
            now - v->last_auto_snapshot_ms >= monitor_day_ms) {
            char *cause = NULL;

            v->last_auto_snapshot_ms = now;
            if (!routes_volume_snapshot_take(v, 1, &cause)) {
                log_msg("daily snapshot of %s failed: %s", v->id, cause);
                free(cause);
            }
        }
        for (j = 0; j < v->nsnaps;) {
            struct st_snapshot *s = v->snaps[j];
            char *cause = NULL;

            if (s->created_ms + (long long)s->retention_days * monitor_day_ms >
                now) {
                j++;
                continue;
            }
            v->nsnaps--;
            memmove(&v->snaps[j], &v->snaps[j + 1],
                    (v->nsnaps - j) * sizeof *v->snaps);
            if (vol_snapshot_destroy(s->id, &cause) == -1) {
                log_msg("pruning snapshot %s: %s", s->id, cause);
                free(cause);
            }
            st_snapshot_free(s);
            st_changed();
        }
    }
}

static void *monitor_main(void *arg)
{
    (void)arg;
    st_lock();
    while (!st.shutting_down) {
        long long next = ids_now_ms() + MONITOR_INTERVAL_MS;
        struct monitor_item *items;
        size_t n, i;
        int changed = 0;

        while (!st.shutting_down && ids_now_ms() < next)
            st_wait_until(next);
        if (st.shutting_down)
            break;
        monitor_collect(&items, &n);
        st_unlock();
        for (i = 0; i < n; i++)
            monitor_probe(&items[i]);
        st_lock();
        for (i = 0; i < n; i++) {
            if (!st.shutting_down)
                monitor_apply(&items[i], &changed);
            monitor_free_item(&items[i]);
        }
        free(items);
        monitor_held(&changed);
        if (changed)
            st_changed();
        else
            st_broadcast();
        monitor_snapshots();
    }
    st_unlock();
    return NULL;
}

int monitor_start(char **cause)
{
    if (pthread_create(&monitor_thread, NULL, monitor_main, NULL) != 0) {
        if (cause)
            *cause = x_strdup("cannot start the monitor thread");
        return -1;
    }
    monitor_running = 1;
    return 0;
}

void monitor_stop(void)
{
    if (!monitor_running)
        return;
    st_lock();
    st_broadcast();
    st_unlock();
    pthread_join(monitor_thread, NULL);
    monitor_running = 0;
}
