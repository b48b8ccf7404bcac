/*
 * ops: the machine supervisor of the API layer.
 *
 * Every slow machine operation (start, stop, restart, destroy) is queued on
 * the machine and run by a worker thread of its own, one at a time per
 * machine, without the state lock held: the worker copies the record into an
 * rt_machine snapshot, calls the runtime under the machine's rtmu, then
 * takes the lock again to record the outcome (state, event) and broadcast.
 * The request that queued the operation has already set the transitional
 * state ("starting", "stopping", ...) and returned.
 *
 * Also here: creating a machine record from a request body (shared by the
 * create route and the demo seeder) and the orderly shutdown.
 *
 * Collaborators: state.h, runtime.h, volume.h, routes_machines.c, seed.c,
 * monitor.c, main.c.
 */
#ifndef PGDECK_SRC_PLATFORMD_OPS_H
#define PGDECK_SRC_PLATFORMD_OPS_H

#include <cjson/cJSON.h>

#include "src/platformd/runtime.h"
#include "src/platformd/state.h"

/* A self-contained copy of a machine for runtime calls. */
struct ops_snap {
    struct rt_machine rt;
    struct rt_peer *peers;
    size_t npeers;
    char **owned; /* every string rt and peers point to */
    size_t nowned;
};

/*
 * Copies M (and, when WITH_PEERS, the other live machines of its app) with
 * the lock held.  volume_path is resolved later, without the lock, by
 * ops_snap_resolve().  Free with ops_snap_free().
 */
struct ops_snap *ops_snap_take(const struct st_machine *m, int with_peers);
/* Fills volume_path (vol_path, may block); call without the lock. */
void ops_snap_resolve(struct ops_snap *s);
void ops_snap_free(struct ops_snap *s);

/*
 * Queues operation KIND on M (lock held) and makes sure a worker runs.
 * SIG / TIMEOUT_S are for stop and destroy (0: defaults).
 */
void ops_enqueue(struct st_machine *m, enum st_op_kind kind, int sig,
                 int timeout_s);

/*
 * The min_secrets_version of a create or update BODY for app A (lock
 * held): 0 when absent.  Returns 0 with *OUT set, or -1 with *cause (not a
 * whole number, or ahead of A's secrets).
 */
int ops_min_secrets(const struct st_app *a, const cJSON *body, long long *out,
                    char **cause);

/*
 * Creates a machine in APP from a create request BODY (borrowed) with the
 * lock held: validates it, allocates id, instance id, name, private IP and
 * repmgr node id, attaches the mounted volume, records the "launch" event
 * and, unless skip_launch, queues the start.  Returns the record, or NULL
 * with *status (HTTP code) and *cause set.
 */
struct st_machine *ops_machine_create(const char *app, const cJSON *body,
                                      int *status, char **cause);

/*
 * Validates a machine config (borrowed) for create/update: image required,
 * guest numbers sane, mounts referring to volumes of APP.  Returns 0, or -1
 * with *cause naming the field.  MACHINE_ID is the machine being updated
 * (its own volume is allowed), or NULL.
 */
int ops_config_check(const char *app, const cJSON *config,
                     const char *machine_id, char **cause);

/*
 * The config of an update request, checked and normalised like a create's
 * (lock held).  Returns an owned tree, or NULL with *cause.
 */
cJSON *ops_config_for_update(const char *app, const cJSON *config,
                             const char *machine_id, char **cause);

/* Marks the store as shutting down and waits for the workers to finish
 * their current operation (lock NOT held). */
void ops_quiesce(void);
/* Stops the processes of every machine (in parallel) without changing the
 * recorded states, so that the next start restores them. */
void ops_stop_all(void);

/* Number of worker threads running (lock held). */
int ops_workers(void);

#endif
