/*
 * actions: the operator's mutations as plans (plan.h), built by pure
 * functions of the fleet model, with the pre-flight checks that refuse an
 * unsafe action before anything is sent.
 *
 * Semantics follow flyctl and postgres-flex (shared/reference/
 * fly-machines-api.md §8-§9) with the safety they lack (anchors §10-§11.5):
 *
 *   scale memory   validate like flyctl (shared: multiples of 256 MB,
 *                  256*cpus..2048*cpus; performance: multiples of 1024,
 *                  2048*cpus..8192*cpus).  Replicas first, one at a time
 *                  (update = the machine's whole config as the model holds
 *                  it, fleet_node.config_json, with guest.memory_mb set,
 *                  POSTed with the lease nonce; wait started; wait checks
 *                  passing; wait streaming again), the primary last with a
 *                  warning.  Nodes already at the size are left alone; a
 *                  stopped one is updated with skip_launch.
 *   volume extend  grow only (a shrink or same size is refused before any
 *                  call); PUT .../extend, then restart that node (replicas
 *                  before the primary) and wait until it is back: a plan
 *                  cannot branch on the answer's needs_restart, and a
 *                  restart is always enough.
 *   replica add    flyctl clone: POST volume (the source mount's name, the
 *                  size of the source volume, region, require_unique_zone),
 *                  POST machine (the source config copied, the image
 *                  pinned, the new volume mounted, metadata PLAN_TAG_KEY),
 *                  wait started, wait checks, wait streaming (exec on the
 *                  primary).  Outside PRIMARY_REGION: a warning that it
 *                  will never be promoted.
 *   replica remove refuse the primary; stop the machine, unregister it
 *                  from repmgr on the primary through exec and drop its
 *                  slot, delete the machine, delete its volume; warn when
 *                  PRIMARY_REGION members drop below 3.
 *   restart        one node, or the cluster: replicas first, one at a time
 *                  (restart, wait started, wait checks), the primary last.
 *   failover       flyctl's flex sequence (§8.2) with exec in place of SSH:
 *                  dry-run switchover on the candidate, stop the old
 *                  primary, wait until it is stopped (before the promote,
 *                  not after as flyctl: never two primaries taking
 *                  writes), start the new one, repmgr standby promote
 *                  --siblings-follow, start the old one,
 *                  wait the new one's role check "primary", wait every
 *                  check passing, verify every replica streams from the new
 *                  primary.  Refused: fewer than 3 machines, no primary,
 *                  PRIMARY_REGION missing or disagreeing, no eligible
 *                  candidate (each candidate's reason listed), --to a node
 *                  that is not eligible, a candidate lagging more than
 *                  actions.failover_max_lag unless --force.
 *   create         flyctl's launcher: app, volumes, machines with the flex
 *                  config (checks, metadata, PRIMARY_REGION, restart
 *                  always), one node after the other; presets development
 *                  (1 node, shared-cpu-1x, 256 MB, 1 GB) and ha (3 nodes,
 *                  shared-cpu-1x, 1024 MB, 10 GB).
 *   destroy        every machine (stopped, deleted), every volume, the app.
 *   snapshot       POST .../volumes/VOL/snapshots of the primary's volume
 *                  (or --node's).  The same step comes first, by default,
 *                  in the plans that can lose data (failover, replica
 *                  remove, scale memory of the primary); no_snapshot
 *                  leaves it out, with a warning.
 *   restore        a new app (args->as), a volume created from the
 *                  snapshot (snapshot_id, the source volume's size and
 *                  region), a machine with the config of the node whose
 *                  volume it was (image pinned, PRIMARY_REGION its region,
 *                  the new volume mounted), wait until it is the primary
 *                  of the new single-node cluster.  The source cluster is
 *                  only read.  Abort deletes what the plan created.
 *
 * Collaborators: plan (the output), fleet (the input model), settings
 * (thresholds), act_cli (the commands), ui (menu, preview, confirmations).
 */
#ifndef PGDECK_SRC_ACTIONS_H
#define PGDECK_SRC_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

struct fleet_cluster;
struct plan;

#define ACTIONS(X)                                                             \
    X(SCALE_MEMORY, "scale-memory", "scale memory")                            \
    X(VOLUME_EXTEND, "volume-extend", "extend volume")                         \
    X(REPLICA_ADD, "replica-add", "add replica")                               \
    X(REPLICA_REMOVE, "replica-remove", "remove replica")                      \
    X(RESTART, "restart", "restart")                                           \
    X(FAILOVER, "failover", "failover")                                        \
    X(CREATE, "create", "create cluster")                                      \
    X(DESTROY, "destroy", "destroy cluster")                                   \
    X(HA, "ha", "make highly available")                                       \
    X(SNAPSHOT, "snapshot", "take a snapshot")                                 \
    X(RESTORE, "snapshot-restore", "restore a snapshot as a new cluster")
#define ACTION_ENUM(id, name, label) ACTION_##id,
enum action_kind { ACTIONS(ACTION_ENUM) ACTION__COUNT };
#undef ACTION_ENUM

/* The action's plan name ("scale-memory") and its label for people. */
const char *action_name(enum action_kind k);
const char *action_label(enum action_kind k);

enum action_preset { ACTION_PRESET_DEVELOPMENT, ACTION_PRESET_HA };

/* What the operator asked.  Strings are borrowed. */
struct action_args {
    enum action_kind kind;
    const char *cluster;
    const char *node;   /* --node / NODE: one machine id, or NULL (all) */
    const char *region; /* replica add, create */
    const char *to;     /* failover --to */
    long memory_mb;     /* scale memory, create (0: the preset's) */
    long size_gb;       /* volume extend, create (0: the preset's) */
    int allow_secondary_region;
    int force; /* failover past the lag limit */
    enum action_preset preset;
    int64_t max_lag_bytes;       /* failover: a candidate behind more is not
                                    eligible (settings
                                    actions.failover_max_lag) */
    const char *image;           /* create: NULL for the newest
                                    postgres-flex (GraphQL latestImageTag) */
    const char *org;             /* create, restore: the org_slug of the new
                                    app (the context's org; NULL or "":
                                    "personal") */
    int no_snapshot;             /* failover, replica remove, scale memory of
                                    the primary: no snapshot of the primary's
                                    volume as the first step */
    const char *snapshot;        /* restore: the snapshot id (vs_...) */
    const char *snapshot_volume; /* restore: the volume it was taken of
                                    (snap.h finds it) */
    const char *as;              /* restore: the new cluster's name */
    long long secrets_version;   /* replica add, HA: the app's secrets
                                    version pgdeck last set
                                    (appsecrets_minvers), sent as
                                    min_secrets_version; 0: unknown */
};

/* One failover candidate, as shown before the confirm key. */
struct action_candidate {
    char *id;
    char *region;
    int checks_passing, n_checks;
    int64_t lag_bytes; /* replay lag, -1 unknown */
    int64_t lag_ms;    /* -1 unknown */
    int eligible;
    char *reason; /* "eligible", "not in PRIMARY_REGION iad", "checks 2/3
                     passing", "lags 48 MB (limit 16 MB)", ... */
};

/* What an eligible candidate's reason adds to "eligible" ("replay paused
 * (promotion waits for replay to finish)", "outside PRIMARY_REGION iad"),
 * "" when nothing; an ineligible one's whole reason.  Borrowed from K. */
const char *actions_candidate_note(const struct action_candidate *k);

/* One line of a pre-flight checklist (the HA wizard shows every line). */
enum action_check_state {
    ACTION_CHECK_PASS,
    ACTION_CHECK_FIX, /* not met, but the plan fixes it (memory scaled) */
    ACTION_CHECK_FAIL /* not met: the plan is refused */
};
struct action_check {
    char *what; /* "the node is the primary and its checks pass" */
    enum action_check_state state;
    char *detail; /* what was found, and for FIX/FAIL what to do or what
                     the plan does about it */
};

/* The pre-flight verdict. */
struct action_preflight {
    int ok;       /* 1: a plan was built */
    char *reason; /* when refused: one line an operator can act on */
    struct action_candidate *candidates; /* failover only */
    size_t n_candidates;
    int quorum_before, quorum_after; /* members in PRIMARY_REGION */
    struct action_check *checks;     /* ha: every pre-flight line, in order */
    size_t n_checks;
};

/* HA (fly-machines-api.md §7.6, §9.6): members needed in PRIMARY_REGION,
 * and the smallest memory of a member (the `create --preset ha` size). */
#define ACTION_HA_MEMBERS 3
#define ACTION_HA_MIN_MEMORY_MB 1024

/*
 * After an HA conversion: whether cluster C (the model refreshed after the
 * plan) is HA: ACTION_HA_MEMBERS members in PRIMARY_REGION, one primary,
 * every replica streaming with lag under A->max_lag_bytes, a failover
 * candidate eligible (the failover pre-flight passes).  Fills *CHECKS
 * (owned: action_checks_free) and *N like a pre-flight.  Returns 1 when
 * every line passes, else 0.
 */
int action_ha_verify(const struct fleet_cluster *c, const struct action_args *a,
                     struct action_check **checks, size_t *n);
void action_checks_free(struct action_check *v, size_t n);

/* Builds the plan of ARGS on cluster C (NULL for create; the model's
 * latest values).  Returns 0 with *OUT set (owned: plan_free) and PF
 * filled, or -1 with PF->reason set (refused by a pre-flight check; exit 3)
 * and *OUT NULL.  PF is always filled (free with action_preflight_clear).
 * PLAN_ID: the plan's id (NULL: a fresh one). */
int action_build(const struct fleet_cluster *c, const struct action_args *args,
                 const char *plan_id, struct plan **out,
                 struct action_preflight *pf);
void action_preflight_clear(struct action_preflight *pf);

/* The actions menu: for cluster C and the selected node NODE_ID (NULL:
 * none), whether each action can run now and, when not, why.  READ_ONLY
 * disables every action ("read-only context"). */
struct action_item {
    enum action_kind kind;
    int enabled;
    char why[160]; /* when disabled */
};
void action_menu(const struct fleet_cluster *c, const char *node_id,
                 int read_only, struct action_item items[ACTION__COUNT]);

/* Validates a memory size for a guest (cpu_kind "shared" or
 * "performance", cpus) as flyctl does.  Returns 0, or -1 with WHY set
 * ("memory must be a multiple of 256 MB for shared CPUs"). */
int action_memory_valid(const char *cpu_kind, int cpus, long memory_mb,
                        char *why, size_t whylen);

#endif
