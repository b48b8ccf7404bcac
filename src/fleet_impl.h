/*
 * fleet_impl: the scheduler's private state, shared by fleet.c (requests
 * and timers) and fleet_sync.c (applying answers to the model).  Not for
 * other modules.
 */
#ifndef PGDECK_SRC_FLEET_IMPL_H
#define PGDECK_SRC_FLEET_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "src/api.h"
#include "src/derive.h"
#include "src/fleet.h"
#include "src/probe.h"

struct machines_req;

/* One app of the org as the scheduler tracks it. */
struct fleet_app {
    char *name;
    int kind;            /* FLEET_APP_* */
    int machine_count;   /* from the apps list, to re-check non-Postgres */
    int seen;            /* in the last apps list */
    int64_t next_api_ms; /* monotonic: when machines/volumes are due */
    struct machines_req *mreq, *vreq;
    int mreq_round, vreq_round; /* counted in the running round */
    /* The last volume list, re-applied when the machines change. */
    struct api_volume *volumes;
    size_t n_volumes;
    int volumes_known;
    /* The primary's last pg_stat_replication, for the replicas' lag. */
    char *primary_id;
    struct probe_standby *rows;
    size_t n_rows;
    int primary_known;
    /* The last machines-list error while no cluster of this app is known;
     * NULL once a list succeeded. */
    char *error;
};

#define FLEET_APP_UNKNOWN 0
#define FLEET_APP_POSTGRES 1
#define FLEET_APP_OTHER 2

/* A probe under way (the probe callback's argument). */
struct fleet_probe_op {
    struct fleet *f;
    char *app;
    char *node;
    int in_round;
    struct probe_req *req;
    struct fleet_probe_op *next;
};

struct fleet {
    struct loop *loop;
    struct machines *api;
    const struct context *ctx;
    const struct settings *settings;
    struct probe *probe;
    struct derive_limits lim;
    struct fleet_model *m;

    int64_t fast_ms, slow_ms;
    int do_probe;
    char *only;
    char *focus;
    int paused;
    int started;

    uint64_t tick_timer;
    uint64_t notify_timer;
    int64_t next_apps_ms;
    struct machines_req *apps_req;

    struct fleet_app *apps;
    size_t n_apps;
    struct fleet_probe_op *probes; /* under way */

    int round_active;
    size_t round_pending;
    int dirty;
    void (*on_change)(void *arg);
    void *on_change_arg;
};

/* fleet_sync.c */

/* The cluster of APP in the model, created (sorted in) when CREATE. */
struct fleet_cluster *fleet_sync_cluster(struct fleet *f, const char *app,
                                         int create);
/* Removes the cluster of APP from the model. */
void fleet_sync_drop_cluster(struct fleet *f, const char *app);
/* Applies a machines list (borrowed) to A's cluster; 1 when APP is a
 * Postgres app (a cluster exists afterwards), 0 when it is not. */
int fleet_sync_machines(struct fleet *f, struct fleet_app *a,
                        const struct api_machine *v, size_t n);
/* Applies A->volumes to its cluster's nodes. */
void fleet_sync_volumes(struct fleet *f, struct fleet_app *a, int sample);
/* Applies a probe answer (RES, or ERROR) of node ID of A. */
void fleet_sync_probe(struct fleet *f, struct fleet_app *a, const char *id,
                      struct probe_result *res, const char *error);
/* Re-derives A's cluster and bumps generations when what is shown
 * changed; marks F dirty then. */
void fleet_sync_derive(struct fleet *f, const char *app);
/* Marks the model changed (generation + notification). */
void fleet_sync_touch(struct fleet *f);

#endif
