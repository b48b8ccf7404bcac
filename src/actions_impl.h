/*
 * actions_impl: what the action builders share and nobody else uses:
 * actions.c (dispatch, names, memory sizes, the menu), actions_steps.c (the
 * step and body helpers), actions_nodes.c (scale memory, volume extend,
 * restart: rolling over the nodes), actions_replica.c (replica add and
 * remove, and the clone steps they share with HA), actions_failover.c
 * (candidates and the failover plan), actions_cluster.c (create, destroy)
 * and actions_ha.c (the single node -> HA conversion).
 *
 * Every builder is a pure function of the fleet model and the arguments:
 * it either fills the plan and returns 0, or calls actions_refuse() (one line
 * an operator can act on) and returns -1; the caller frees the plan then.
 * Strings returned by these helpers are owned by the caller unless said
 * otherwise; nodes are borrowed from the model.
 *
 * Collaborators: plan.h (the building API only), fleet.h, cJSON (bodies).
 */
#ifndef PGDECK_SRC_ACTIONS_IMPL_H
#define PGDECK_SRC_ACTIONS_IMPL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "src/actions.h"
#include "src/fleet.h"
#include "src/plan.h"

/* Timeouts of the waits (ms). */
#define ACTIONS_FLEX_REPO "flyio/postgres-flex"
#define ACTIONS_WAIT_START_MS 300000   /* a machine reaches "started" */
#define ACTIONS_WAIT_STOP_MS 120000    /* a machine reaches "stopped" */
#define ACTIONS_WAIT_CHECKS_MS 300000  /* every check of a machine passes */
#define ACTIONS_WAIT_ROLE_MS 120000    /* the role check says primary */
#define ACTIONS_WAIT_STREAM_MS 300000  /* a replica streams from the primary */
#define ACTIONS_WAIT_GONE_MS 120000    /* a deleted machine is destroyed */
#define ACTIONS_EXEC_INTERVAL_MS 2000  /* between two exec probes of a WAIT */
#define ACTIONS_PLATFORM_WAIT_S 60     /* one /wait call (the API's maximum) */
#define ACTIONS_OUTAGE_INTERVAL_MS 100 /* polls while writes are stopped */
#define ACTIONS_EXEC_TIMEOUT_S 30      /* a query run through exec */
#define ACTIONS_REPMGR_TIMEOUT_S 60    /* repmgr run through exec */
#define ACTIONS_CLONE_MIN_MS 600000    /* a new replica's checks (it clones) */
/* The clone speed assumed to size the wait for a new replica's checks. */
#define ACTIONS_CLONE_BYTES_PER_S (10LL * 1024 * 1024)

/* A refusal: PF->reason set from FMT (one line).  Returns -1. */
int actions_refuse(struct action_preflight *pf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "16 MB", "1.5 GB", "512 B" for BYTES into OUT. */
void actions_size_text(int64_t bytes, char *out, size_t len);

/* The SQL primary of C, or NULL. */
const struct fleet_node *actions_primary(const struct fleet_cluster *c);
/* Whether N is C's SQL primary. */
int actions_is_primary(const struct fleet_cluster *c,
                       const struct fleet_node *n);
/* Members of C in its PRIMARY_REGION. */
int actions_region_members(const struct fleet_cluster *c);
/* The node of C called ID, or NULL after a refusal naming the nodes. */
const struct fleet_node *actions_node_or_refuse(const struct fleet_cluster *c,
                                                const char *id,
                                                struct action_preflight *pf);
/* The machine config of N as a cJSON tree (owned), or NULL after a
 * refusal saying why it is not known. */
cJSON *actions_config_or_refuse(const struct fleet_node *n,
                                struct action_preflight *pf);
/* Whether N's machine is started. */
int actions_started(const struct fleet_node *n);

/*
 * The nodes to act on one at a time: NODE alone when not NULL, else every
 * replica (in model order) and the primary last.  Fills OUT (at most
 * c->n_nodes entries, borrowed) and returns the count, or -1 after a
 * refusal (unknown node; several nodes but no primary to put last).
 */
long actions_rolling_order(const struct fleet_cluster *c, const char *node,
                           const struct fleet_node **out,
                           struct action_preflight *pf);

/* ---- steps (actions_steps.c) ---- */

/* plan_add_step() with TITLE, PATH and BODY (may be NULL) taken (freed). */
struct plan_step *actions_step(struct plan *p, char *title, const char *method,
                               char *path, char *body);
struct plan_step *actions_abort_step(struct plan *p, char *title,
                                     const char *method, char *path,
                                     char *body);
/* A WAIT on GET machine ID (a template) until COND (ARG). */
struct plan_step *actions_wait_machine(struct plan *p, char *title,
                                       const char *id, enum plan_cond cond,
                                       const char *arg, int64_t timeout_ms);
/* A WAIT on an exec on the primary PRIMARY until replica REPLICA (both
 * templates) streams from it: pg_stat_replication has one row with
 * application_name REPLICA in state streaming. */
/* A wait step: psql on NODE runs SQL (taken) until it prints 1. */
struct plan_step *actions_wait_sql_one(struct plan *p, char *title,
                                       const char *node, char *sql);
struct plan_step *actions_wait_streaming(struct plan *p,
                                         const struct fleet_cluster *c,
                                         char *title, const char *primary,
                                         const char *replica);
/*
 * An SQL predicate (owned) that COLUMN (application_name, node_name) names
 * machine ID (or a ${variable}) of C, whatever its image version: the id,
 * its v0.0.59 hostname, its private IP when known.  A machine not created
 * yet in a cluster on flex before v0.0.63 has a private IP not known when
 * the plan is built: there the predicate is "none of the members' names".
 */
char *actions_name_pred(const struct fleet_cluster *c, const char *column,
                        const char *id);
/* Whether N's image is postgres-flex older than MAJOR.MINOR.PATCH (0 when
 * its version is not known or not one). */
int actions_flex_before(const struct fleet_node *n, long major, long minor,
                        long patch);
/* The port postgres-flex's Postgres listens on. */
#define ACTIONS_PG_PORT "5433"
/* The JSON of an exec request running ARGV (NULL-terminated, a Postgres
 * tool) as the postgres user: "gosu postgres ARGV...", with "-p 5433"
 * after psql. */
char *actions_exec_body(const char *const *argv, int timeout_s);
/* "/apps/${app}/machines/ID/exec" */
char *actions_exec_path(const char *id);
/* The reconcile probe PROBE (method, path, body taken) with COND (ARG) on
 * S: RECONCILE_CHECK. */
void actions_check(struct plan_step *s, const char *method, char *path,
                   char *body, enum plan_cond cond, const char *arg);
/* Sets S's lease to ID and marks it mutating. */
void actions_mutating(struct plan_step *s, const char *id);
/* Ties the waits after the update S of machine ID to the version it makes:
 * S keeps its answer's instance_id.  Returns the boot for
 * actions_wait_back ("instance:${instance_ID}"; owned), or NULL when no
 * plan variable is left (the waits then take any boot). */
char *actions_boot_update(struct plan *p, struct plan_step *s, const char *id);
/* The same for the restart S of machine ID, whose answer names no
 * instance: S keeps when it was sent ("since:${restarted_ID}"). */
char *actions_boot_restart(struct plan *p, struct plan_step *s, const char *id);
/* Adds the waits after node N restarted (or was replaced): started, every
 * check passing, and for a replica streaming from PRIMARY (may be NULL);
 * for the primary its role check and every other replica streaming.  BOOT
 * (taken; NULL: any) ties them to the new boot (plan_step.boot): after an
 * update the machine's /wait for that instance_id, looped ACTIONS_
 * PLATFORM_WAIT_S at a time; after a restart a GET that shows the start. */
void actions_wait_back(struct plan *p, const struct fleet_cluster *c,
                       const struct fleet_node *n, char *boot);
/* The abort step that starts machine N again (best effort). */
void actions_abort_start(struct plan *p, const struct fleet_node *n);
/* "replica 1 of 2", "the primary", "node" for N at position I (0-based) of
 * the N_REPLICAS replicas in a rolling order; into OUT. */
void actions_which(const struct fleet_cluster *c, const struct fleet_node *n,
                   size_t i, size_t n_replicas, char *out, size_t len);
/* cJSON_PrintUnformatted, owned by x_malloc (NULL never). */
char *actions_json(const cJSON *o);

/*
 * The steps of one `fly machine clone` of SRC into REGION (replica add,
 * HA): POST a volume of SIZE_GB (the name and encryption of CFG's first
 * mount), POST a machine with CFG (consumed: the source's config as the
 * clone gets it; image pinned, the new volume mounted, tagged), wait
 * started, wait every check passing, wait streaming from SRC, and with
 * CATCHUP_BYTES >= 0 wait until its replay lag is at most that many bytes.
 * The abort steps delete the machine, its repmgr record and slot, and the
 * volume.  Variables new_volume<SUFFIX>, new_machine<SUFFIX> and
 * new_node_id<SUFFIX> ("" or "_1", "_2": a plan with several clones);
 * titles say "the new replica" (+ " 1" for "_1").
 */
void actions_clone_steps(struct plan *p, const struct fleet_cluster *c,
                         const struct fleet_node *src, cJSON *cfg,
                         const char *region, int size_gb, const char *suffix,
                         int64_t catchup_bytes);
/* CFG (SRC's config, modified in place) as the config of a machine that
 * mounts the volume of variable VOLUME_VAR at SRC's mount path: the image
 * pinned (returned, owned), the auto-extend settings kept, metadata
 * PLAN_TAG_KEY set to TAG. */
char *actions_clone_config(const struct fleet_node *src, cJSON *cfg,
                           const char *volume_var, const char *tag);
/* An app name: 1 to 63 of [a-z0-9-], no dash first or last. */
int actions_app_name_ok(const char *s);
/* The step that creates the app NAME (the plan's ${app}) in ORG, role
 * postgres_cluster, its id kept as ${app_id} (declared by the caller);
 * resumed, it is done when GET /apps/${app} answers. */
/* The step that finds the newest postgres-flex image the way flyctl does
 * (GraphQL latestImageTag) into ${image}. */
void actions_image_step(struct plan *p);
/* The steps that give a new app APP the secrets postgres-flex cannot boot
 * without: its Consul URL (GraphQL enablePostgresConsul), then one secrets
 * update with three generated passwords, the URL and, for a restore,
 * FLY_RESTORED_FROM = RESTORED_FROM (NULL otherwise); the answer's version
 * goes to ${secrets_version}.  Values stay out of the plan
 * (appsecrets.h). */
void actions_secrets_steps(struct plan *p, const char *app,
                           const char *restored_from);
/* Adds "min_secrets_version": ${secrets_version}, a number, to a machine
 * create BODY. */
void actions_min_secrets(cJSON *body);
/* ${secrets_version} = A's secrets_version when known (clones send it as
 * min_secrets_version, as flyctl does). */
void actions_secrets_version_var(struct plan *p, const struct action_args *a);
void actions_app_step(struct plan *p, const char *name, const char *org);
/* The snapshot of the primary's volume as the first step of P (a plan
 * that can lose data: WHY says how, for the title), unless A->no_snapshot
 * (then a warning says none is taken) or the primary mounts no known
 * volume (a warning too). */
void actions_snapshot_first(struct plan *p, const struct fleet_cluster *c,
                            const struct action_args *a, const char *why);
int actions_snapshot(const struct fleet_cluster *c, const struct action_args *a,
                     struct plan *p, struct action_preflight *pf);
int actions_restore(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf);
/* The size in GB of a clone of SRC whose config is CFG: its volume's, else
 * its first mount's size_gb; 0 when not known or nothing is mounted. */
int actions_clone_size_gb(const struct fleet_node *src, const cJSON *cfg);
/* The update request of node N (actions_nodes.c): its whole config CFG
 * (consumed) with guest.memory_mb set to MEMORY_MB, its region and name;
 * skip_launch when it is not started. */
char *actions_update_body(const struct fleet_node *n, cJSON *cfg,
                          long memory_mb);

/* ---- builders ---- */

int actions_scale_memory(const struct fleet_cluster *c,
                         const struct action_args *a, struct plan *p,
                         struct action_preflight *pf);
int actions_volume_extend(const struct fleet_cluster *c,
                          const struct action_args *a, struct plan *p,
                          struct action_preflight *pf);
int actions_restart(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf);
int actions_replica_add(const struct fleet_cluster *c,
                        const struct action_args *a, struct plan *p,
                        struct action_preflight *pf);
int actions_replica_remove(const struct fleet_cluster *c,
                           const struct action_args *a, struct plan *p,
                           struct action_preflight *pf);
int actions_failover(const struct fleet_cluster *c, const struct action_args *a,
                     struct plan *p, struct action_preflight *pf);
int actions_create(const struct action_args *a, struct plan *p,
                   struct action_preflight *pf);
int actions_destroy(const struct fleet_cluster *c, const struct action_args *a,
                    struct plan *p, struct action_preflight *pf);
int actions_ha(const struct fleet_cluster *c, const struct action_args *a,
               struct plan *p, struct action_preflight *pf);
/* The HA pre-flight checklist of C under A into PF->checks (every line,
 * even after a failure), and in *MEMORY_MB the memory of every member.
 * Returns 0 when no line fails, else -1 with PF->reason set to the first
 * failure's detail. */
int actions_ha_checks(const struct fleet_cluster *c,
                      const struct action_args *a, struct action_preflight *pf,
                      long *memory_mb);

/*
 * The failover candidates of C (pf->candidates) with their verdicts under
 * A (max_lag_bytes, force, allow_secondary_region).  Returns the index of
 * the best eligible candidate in pf->candidates, or -1.
 */
long actions_candidates(const struct fleet_cluster *c,
                        const struct action_args *a,
                        struct action_preflight *pf);
/* The structural failover checks (machines, primary, PRIMARY_REGION on
 * every machine): 0, or -1 after a refusal. */
int actions_failover_structure(const struct fleet_cluster *c,
                               struct action_preflight *pf);

#endif
