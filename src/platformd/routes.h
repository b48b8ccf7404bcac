/*
 * routes: the request handlers, one family per file (routes_apps.c,
 * routes_machines.c, routes_mactions.c, routes_leases.c, routes_volumes.c,
 * faults.c for /admin).  Each handler reads the request through http.h,
 * takes the state lock for as short as it can, never calls the runtime with
 * the lock held, and answers exactly once with http_reply()/http_error().
 *
 * Collaborators: route.c (the table), http.h, state.h, ops.h, render.h.
 */
#ifndef PGDECK_SRC_PLATFORMD_ROUTES_H
#define PGDECK_SRC_PLATFORMD_ROUTES_H

struct http_req;
struct st_machine;

void routes_apps_list(struct http_req *r);
void routes_apps_create(struct http_req *r);
void routes_apps_get(struct http_req *r);
void routes_apps_delete(struct http_req *r);

void routes_machines_list(struct http_req *r);
void routes_machines_create(struct http_req *r);
void routes_machines_get(struct http_req *r);
void routes_machines_update(struct http_req *r);
void routes_machines_delete(struct http_req *r);
void routes_machines_start(struct http_req *r);
void routes_machines_stop(struct http_req *r);
void routes_machines_restart(struct http_req *r);
void routes_machines_signal(struct http_req *r);
void routes_machines_cordon(struct http_req *r);
void routes_machines_wait(struct http_req *r);
void routes_machines_exec(struct http_req *r);
void routes_machines_events(struct http_req *r);

void routes_lease_get(struct http_req *r);
void routes_lease_acquire(struct http_req *r);
void routes_lease_release(struct http_req *r);
void routes_metadata_get(struct http_req *r);
void routes_metadata_set(struct http_req *r);
void routes_metadata_delete(struct http_req *r);

void routes_volumes_list(struct http_req *r);
void routes_volumes_create(struct http_req *r);
void routes_volumes_get(struct http_req *r);
void routes_volumes_update(struct http_req *r);
void routes_volumes_delete(struct http_req *r);
void routes_volumes_extend(struct http_req *r);
void routes_volumes_snapshots(struct http_req *r);
void routes_volumes_snapshot_create(struct http_req *r);

void routes_secrets_list(struct http_req *r);
void routes_secrets_update(struct http_req *r);
void routes_secrets_get(struct http_req *r);
void routes_secrets_set(struct http_req *r);
void routes_secrets_delete(struct http_req *r);

void routes_graphql(struct http_req *r);

void routes_admin_faults_list(struct http_req *r);
void routes_admin_faults_add(struct http_req *r);
void routes_admin_faults_clear(struct http_req *r);
void routes_admin_crash(struct http_req *r);
void routes_admin_replay(struct http_req *r);
void routes_admin_fill(struct http_req *r);
void routes_admin_host(struct http_req *r);
void routes_admin_stale(struct http_req *r);

/*
 * Shared by the machine handlers (routes_machines.c): looks up the app and
 * machine named by the path (params 0 and 1) with the lock held; answers
 * 404 and returns NULL when either is unknown (or the machine destroyed,
 * unless ALLOW_DESTROYED).
 */
struct st_machine *routes_machine_lookup(struct http_req *r,
                                         int allow_destroyed);

/*
 * The lease gate for mutations (lock held): a machine whose host is not ok
 * answers 503 first (routes_host_check); when M is leased and the
 * request's fly-machine-lease-nonce header does not match, answers 409
 * ("... lease currently held by ...") and returns -1; else 0.
 */
int routes_lease_check(struct http_req *r, struct st_machine *m);
/* Whether a request can reach the host of M (lock held): 0, or -1 having
 * answered 503 when the host fault says it is not ok. */
int routes_host_check(struct http_req *r, const struct st_machine *m);
/* The stale fault (lock held): before an update or restart of M, keeps
 * what GET answers until M->stale_s seconds after it. */
void routes_stale_mark(struct st_machine *m);

/*
 * Takes a snapshot of V (lock held on entry and return; dropped while the
 * copy runs) and records it.  Returns the record (owned by V), or NULL
 * with *cause.
 */
struct st_volume;
struct st_snapshot *routes_volume_snapshot_take(struct st_volume *v,
                                                int automatic, char **cause);

/* The snapshot ID of any volume (lock held), or NULL; *VOL_SIZE (when not
 * NULL) gets its volume's size in GB. */
const struct st_snapshot *routes_snapshot_find(const char *id, int *vol_size);

#endif
