/*
 * fleet: the console's model of every Postgres cluster of the current
 * context, and the refresh scheduler that keeps it current.
 *
 * The model (struct fleet_model and what hangs from it) is plain data that
 * the UI, `pgdeck status` and the snapshot cache read.  It is built from
 * three sources (DESIGN.md "Data flow"):
 *   - the Machines API (machines.h): apps, machines, volumes;
 *   - SQL probes on each node (probe.h): role truth, timeline, replication
 *     per standby, slots, database size, connections;
 *   - derivations (derive.h, pure functions): verdicts, quorum in
 *     PRIMARY_REGION, the issues list with the fixing action, worst lag and
 *     volume, fill rate and time to full, history rings.
 *
 * Who writes, who reads.  The model is written only by fleet.c (and
 * cache.c when it loads a snapshot), only from loop callbacks.  Readers
 * (the UI's before-sleep redraw, status.c) see a consistent model between
 * loop turns.  Every pointer obtained from the model is borrowed and valid
 * until control returns to the loop (the next loop_turn); hold names (a
 * cluster's name, a node's id), not pointers, across turns, and look them
 * up again with fleet_model_cluster() / fleet_cluster_node().
 *
 * Change notification.  Every cluster and node carries a generation that is
 * bumped whenever anything shown about it changes (and only then: an
 * identical refresh leaves it alone); the model's generation is bumped
 * whenever any cluster's is, or the list of clusters or the model's own
 * status changes.  The UI compares generations to redraw only what
 * changed.  fleet_set_on_change() also gives a callback, called at most
 * once per loop turn in which something changed.
 *
 * Staleness.  A failure anywhere marks only its own scope stale (the model
 * for the apps list, a cluster for its machines/volumes list, a node for
 * its probe): the last good values stay, with `stale` set, the reason and
 * the time of the last good data (`updated_ms`, so the age is
 * now - updated_ms).  Nothing is dropped because a refresh failed, and
 * nothing here ever exits.  A snapshot loaded from the cache is stale
 * ("from cache") until the first fresh answer replaces it.
 *
 * Units.  Byte counts are int64_t bytes, times are milliseconds: instants
 * (`*_ms` ending in "at" or "updated") are Unix epoch milliseconds (wall
 * clock: they go into the cache and JSON), durations are milliseconds.
 * "Unknown" is -1 for every count, size and duration documented so;
 * 0 is a real value.
 *
 * Collaborators: loop.h (timers, the libpq sockets through db.h),
 * machines.h (API calls), probe.h (SQL), derive.h (verdicts, issues,
 * rings), cache.h (first frame), settings.h (intervals, thresholds),
 * context.h (pgpass, org); read by ui/ and status.h.
 */
#ifndef PGDECK_SRC_FLEET_H
#define PGDECK_SRC_FLEET_H

#include <stddef.h>
#include <stdint.h>

struct context;
struct loop;
struct machines;
struct settings;

/* ---- history rings (sparklines) ---- */

/* Samples kept per ring: at the default 2 s refresh, 4 minutes. */
#define FLEET_RING_LEN 120

/*
 * A fixed ring of timed samples, oldest overwritten first.  Use
 * derive_ring_push() to add and derive_ring_at() to read in time order;
 * never index v[] directly (the head moves).
 */
struct fleet_ring {
    int64_t v[FLEET_RING_LEN];    /* the sample (bytes, ...) */
    int64_t t_ms[FLEET_RING_LEN]; /* when (Unix ms) */
    size_t head;                  /* where the next sample goes */
    size_t n;                     /* samples held, <= FLEET_RING_LEN */
};

/* ---- enums ---- */

/* The cluster verdict, worst first (so a max over nodes is meaningful). */
enum fleet_verdict {
    FLEET_VERDICT_UNKNOWN,     /* never fetched yet */
    FLEET_VERDICT_HEALTHY,     /* no warning or critical issue */
    FLEET_VERDICT_IDLE,        /* every member stopped with FLY_SCALE_TO_ZERO:
                                  it starts on the next connection */
    FLEET_VERDICT_DEGRADED,    /* a warning/critical issue, writes work */
    FLEET_VERDICT_READ_ONLY,   /* no writable primary: fenced, disk > 90 %,
                                  or none at all */
    FLEET_VERDICT_NO_QUORUM,   /* members up in PRIMARY_REGION < n/2+1 */
    FLEET_VERDICT_UNREACHABLE, /* no node answers SQL (or no machine runs) */
    FLEET_VERDICT__COUNT
};

/* The role as the SQL probe tells it (pg_is_in_recovery()): the truth. */
enum fleet_role {
    FLEET_ROLE_UNKNOWN, /* no probe answer (yet) */
    FLEET_ROLE_PRIMARY, /* not in recovery */
    FLEET_ROLE_REPLICA, /* in recovery */
    FLEET_ROLE__COUNT
};

/* Replication of a replica, as its primary's pg_stat_replication says. */
enum fleet_lag_state {
    FLEET_LAG_NONE,      /* not a replica (primary, or role unknown) */
    FLEET_LAG_STREAMING, /* has a row; lags are measured */
    FLEET_LAG_IDLE,      /* has a row, caught up (0 bytes behind) and the
                            lag times are NULL because nothing was written:
                            shown as "idle", never "unknown" */
    FLEET_LAG_CATCHUP,   /* has a row in state startup/catchup/backup */
    FLEET_LAG_MISSING,   /* a reachable primary has no row for it: not
                            replicating ("not streaming") */
    FLEET_LAG_UNKNOWN,   /* the primary could not be asked */
    FLEET_LAG__COUNT
};

enum fleet_severity {
    FLEET_SEV_INFO, /* advice; does not change the verdict */
    FLEET_SEV_WARN,
    FLEET_SEV_CRIT,
    FLEET_SEV__COUNT
};

/* What an issue is about.  The X-macro gives the enum and stable names
 * ("node_unreachable") used in JSON and the cache. */
#define FLEET_ISSUES(X)                                                        \
    X(NODE_UNREACHABLE, "node_unreachable")                                    \
    X(HOST_UNREACHABLE, "host_unreachable")                                    \
    X(MACHINE_NOT_STARTED, "machine_not_started")                              \
    X(NO_PRIMARY, "no_primary")                                                \
    X(MULTIPLE_PRIMARIES, "multiple_primaries")                                \
    X(PRIMARY_FENCED, "primary_fenced")                                        \
    X(ROLE_DISAGREEMENT, "role_disagreement")                                  \
    X(NO_QUORUM, "no_quorum")                                                  \
    X(NOT_HA, "not_ha")                                                        \
    X(PRIMARY_OUTSIDE_REGION, "primary_outside_region")                        \
    X(REPLICA_NOT_STREAMING, "replica_not_streaming")                          \
    X(REPLICATION_LAG, "replication_lag")                                      \
    X(REPLAY_PAUSED, "replay_paused")                                          \
    X(TIMELINE_MISMATCH, "timeline_mismatch")                                  \
    X(DISK_USAGE, "disk_usage")                                                \
    X(DISK_READ_ONLY, "disk_read_only")                                        \
    X(DISK_FULL_SOON, "disk_full_soon")                                        \
    X(SLOT_INACTIVE, "slot_inactive")                                          \
    X(CHECK_FAILING, "check_failing")                                          \
    X(VOLUME_MISSING, "volume_missing")                                        \
    X(STALE_DATA, "stale_data")

#define FLEET_ISSUE_ENUM(id, name) FLEET_ISSUE_##id,
enum fleet_issue_kind { FLEET_ISSUES(FLEET_ISSUE_ENUM) FLEET_ISSUE__COUNT };
#undef FLEET_ISSUE_ENUM

/* The action that fixes an issue; the UI may offer it (issue 5 runs it). */
#define FLEET_ACTIONS(X)                                                       \
    X(NONE, "none")                                                            \
    X(INVESTIGATE, "investigate")                                              \
    X(START_MACHINE, "start_machine")                                          \
    X(RESTART_NODE, "restart_node")                                            \
    X(FAILOVER, "failover")                                                    \
    X(ADD_REPLICA, "add_replica")                                              \
    X(HA_CONVERT, "ha_convert")                                                \
    X(REMOVE_REPLICA, "remove_replica")                                        \
    X(EXTEND_VOLUME, "extend_volume")                                          \
    X(DROP_SLOT, "drop_slot")                                                  \
    X(RESUME_REPLAY, "resume_replay")

#define FLEET_ACTION_ENUM(id, name) FLEET_ACTION_##id,
enum fleet_action { FLEET_ACTIONS(FLEET_ACTION_ENUM) FLEET_ACTION__COUNT };
#undef FLEET_ACTION_ENUM

/* ---- the model ---- */

/* Freshness of one scope (model, cluster, node). */
struct fleet_stale {
    int stale;          /* 1: the values shown are not from the last try */
    char *reason;       /* why (user-presentable), NULL when fresh */
    int64_t updated_ms; /* Unix ms of the last good data, 0 = never */
};

/* One health check of a machine (API checks[]). */
struct fleet_check {
    char *name;   /* "pg", "role", "vm", ... */
    char *status; /* "passing", "warning", "critical" */
    char *output; /* raw, may span lines ("[✓] connections: ...") */
};

/* One event of a machine (newest first, at most FLEET_MAX_EVENTS). */
#define FLEET_MAX_EVENTS 20
struct fleet_event {
    char *type;   /* launch, start, stop, exit, update, ... */
    char *status; /* created, started, ... */
    char *source; /* user, flyd, ... */
    int64_t at_ms;
    int exit_code; /* -1 when the event has none */
    int oom_killed;
};

/* A replication slot, as the primary reports it. */
struct fleet_slot {
    char *name;             /* repmgr_slot_<node_id>, ... */
    char *type;             /* "physical", "logical" */
    int active;             /* a walsender uses it */
    int64_t retained_bytes; /* WAL kept for it, -1 unknown */
};

/* The volume mounted by a node (or an unattached one of the cluster). */
struct fleet_volume {
    char *id;    /* vol_... ("" when the node mounts none) */
    char *name;  /* pg_data */
    char *state; /* created, extending, ... */
    char *region;
    char *attached_machine_id;   /* "" when unattached */
    int size_gb;                 /* provisioned size, 0 unknown */
    int64_t total_bytes;         /* filesystem size, -1 unknown */
    int64_t used_bytes;          /* -1 unknown */
    double used_pct;             /* 0..100, < 0 unknown */
    double fill_rate;            /* bytes per second over the ring, 0 when
                                    flat or shrinking, < 0 unknown */
    int64_t eta_full_ms;         /* time to full at fill_rate, -1 unknown or
                                    not growing */
    struct fleet_ring used_hist; /* used_bytes */
};

/* One node: a machine of the cluster, its volume and its probe. */
struct fleet_node {
    uint64_t generation;
    uint64_t sig; /* private to fleet.c: signature of what is shown */

    /* From the Machines API. */
    char *id;   /* machine id */
    char *name; /* machine name */
    char *region;
    char *state; /* started, stopped, replacing, ... */
    char *private_ip;
    char *host_status;   /* ok, unknown, unreachable, "" */
    char *image;         /* config.image */
    char *image_version; /* label fly.version, "" unknown */
    char *fly_version;   /* label fly.version only (the image tag is
                            Postgres's version): "" none, NULL not known
                            (a node from the snapshot cache) */
    char *image_digest;  /* image_ref.digest ("sha256:..."), "" unknown */
    char *config_json;   /* the machine's whole "config" object as compact
                            JSON (api_machine.config_json), copied verbatim
                            by the action builders; "" or NULL (a node
                            from the snapshot cache) when not known */
    char *cpu_kind;
    int cpus;
    int memory_mb;
    int in_primary_region; /* region == the cluster's PRIMARY_REGION */
    char *check_role;      /* api_machine_role(): primary, replica, zombie,
                              witness, error, unknown, ... */
    struct fleet_check *checks;
    size_t n_checks;
    int checks_passing;         /* of n_checks */
    struct fleet_event *events; /* newest first */
    size_t n_events;
    char *restart_policy;
    int64_t created_at_ms;
    int64_t updated_at_ms;
    struct fleet_stale api; /* the cluster's machine list for this node */

    /* From the SQL probe of this node. */
    int reachable;           /* the last probe answered (0: see probe.reason) */
    enum fleet_role role;    /* the truth; UNKNOWN without an answer */
    int role_disagree;       /* role check says otherwise (see derive.h) */
    int64_t timeline;        /* -1 unknown */
    int read_only;           /* default_transaction_read_only on (fenced) */
    int64_t replay_delay_ms; /* replica: now - pg_last_xact_replay_timestamp,
                                -1 unknown */
    int replay_paused;       /* replica: pg_is_wal_replay_paused() */
    int64_t db_size_bytes;   /* sum of pg_database_size, -1 unknown */
    int connections;         /* backends, -1 unknown */
    int max_connections;     /* -1 unknown */
    struct fleet_slot *slots; /* on a primary */
    size_t n_slots;
    struct fleet_stale probe;

    /* Replication of this node (a replica), from its primary's
     * pg_stat_replication row whose application_name is this node's id.
     * Bytes behind the primary's current WAL per stage, -1 unknown. */
    enum fleet_lag_state lag_state;
    int64_t lag_sent_bytes;
    int64_t lag_write_bytes;
    int64_t lag_flush_bytes;
    int64_t lag_replay_bytes;
    /* write_lag / flush_lag / replay_lag in ms; -1 when NULL (idle) or
     * unknown */
    int64_t lag_write_ms;
    int64_t lag_flush_ms;
    int64_t lag_replay_ms;
    /* The one "lag in time" figure shown and put in JSON lag_seconds:
     * replay_lag when measured, 0 when idle, else replay_delay when the
     * replica knows it, else -1. */
    int64_t lag_ms;
    char *repl_state;           /* pg_stat_replication.state, "" none */
    struct fleet_ring lag_hist; /* lag_replay_bytes */

    struct fleet_volume volume; /* id "" when none is mounted */
};

/* A machine of the cluster's app and image that is no member. */
struct fleet_other {
    char *id;
    char *kind; /* "barman", "console", "release_command" */
    char *state;
    char *region;
};

/* One issue detected, with what fixes it. */
struct fleet_issue {
    enum fleet_issue_kind kind;
    enum fleet_severity severity;
    char *node_id; /* the node concerned, "" for the whole cluster */
    char *text;    /* "replica 148e... is 48 MB behind (replay paused)" */
    enum fleet_action action;
    char *action_text; /* the command or step that fixes it:
                          "pgdeck volume extend acme-db 20" */
};

struct fleet_cluster {
    uint64_t generation;
    uint64_t sig; /* private to fleet.c */

    char *name;           /* the app name */
    char *primary_region; /* PRIMARY_REGION of the machines, "" unknown */
    char *flavor;         /* api_machine_flavor(): "flex" (repmgr),
                             "stolon", "" */
    char *image_version;  /* the primary's (else most common) fly.version */
    int mixed_versions;   /* nodes run different image versions */

    struct fleet_node *nodes; /* sorted: primary region first, then region,
                                 then id */
    size_t n_nodes;
    struct fleet_volume *spare_volumes; /* volumes no node mounts */
    size_t n_spare_volumes;
    /* Machines of the Postgres image that are no member: listed apart,
     * never in quorum, never "unreachable" (api_machine_non_member). */
    struct fleet_other *others;
    size_t n_others;

    /* Derived (derive_cluster). */
    enum fleet_verdict verdict;
    long primary;               /* index in nodes of the SQL primary, -1 none */
    int members_total;          /* nodes */
    int members_ok;             /* nodes reachable and not failing a check */
    int region_members;         /* nodes in PRIMARY_REGION */
    int region_up;              /* of those, reachable */
    int quorum_needed;          /* region_members / 2 + 1 */
    int quorum_ok;              /* region_up >= quorum_needed */
    int ha;                     /* region_members >= 3 */
    char *role_map;             /* one letter per node in nodes[] order:
                                   P primary, R replica, ? unknown, Z fenced,
                                   ! disagreement ("PRR?") */
    long worst_lag_node;        /* index, -1 none */
    int64_t worst_lag_bytes;    /* -1 unknown/no replica */
    int64_t worst_lag_ms;       /* -1 unknown */
    long worst_volume_node;     /* index, -1 none */
    double worst_used_pct;      /* < 0 unknown */
    int64_t worst_eta_full_ms;  /* smallest eta over nodes, -1 none */
    struct fleet_issue *issues; /* worst first */
    size_t n_issues;

    struct fleet_stale api; /* machines + volumes lists */
};

/* Where the model stands as a whole. */
enum fleet_status {
    FLEET_STATUS_STARTING,    /* nothing fetched yet (maybe a cache frame) */
    FLEET_STATUS_OK,          /* the apps list answered last time */
    FLEET_STATUS_UNREACHABLE, /* the platform API did not answer */
    FLEET_STATUS_ERROR        /* it answered with an error (401, ...) */
};

/* An app whose machines could not be listed yet: whether it holds Postgres
 * is not known, and why. */
struct fleet_unknown_app {
    char *name;
    char *reason;
};

struct fleet_model {
    uint64_t generation;
    char *context; /* the context's name */
    char *org;
    enum fleet_status status;
    struct fleet_stale api; /* the apps list; reason when not OK */
    int from_cache;         /* what is shown came from the snapshot cache */
    struct fleet_cluster *clusters; /* sorted by name */
    size_t n_clusters;
    char **skipped_apps; /* non-Postgres apps, sorted (not shown) */
    size_t n_skipped;
    /* Apps never listed successfully, sorted by name (not shown as
     * clusters: they may not be Postgres). */
    struct fleet_unknown_app *unknown_apps;
    size_t n_unknown;
    int64_t refreshed_ms; /* Unix ms of the last complete round, 0 never */
    uint64_t rounds;      /* complete refresh rounds so far */
};

/* ---- model helpers (fleet_model.c; pure, no loop) ---- */

/* The cluster called NAME in M, or NULL; borrowed. */
const struct fleet_cluster *fleet_model_cluster(const struct fleet_model *m,
                                                const char *name);
/* Why app NAME of M is not known (its machines could not be listed), or
 * NULL when it is known or not in the org; borrowed. */
const char *fleet_model_unknown(const struct fleet_model *m, const char *name);
/* The node with machine id ID in C, or NULL; borrowed. */
const struct fleet_node *fleet_cluster_node(const struct fleet_cluster *c,
                                            const char *id);
/* The node of C to send SQL meant for the primary: the one the SQL probes
 * found; else, when no probe could tell (no credentials yet, say), the one
 * started node the platform's role check calls primary.  NULL when neither
 * knows, or the checks name more than one; borrowed. */
const struct fleet_node *
fleet_cluster_primary_node(const struct fleet_cluster *c);
/* A fresh empty model for CONTEXT (may be NULL); free with
 * fleet_model_free(). */
struct fleet_model *fleet_model_new(const char *context, const char *org);
/* Frees M and everything it owns.  NULL is fine. */
void fleet_model_free(struct fleet_model *m);
/* Frees what C / N / V own (not C, N, V themselves); zeroed is fine. */
void fleet_cluster_clear(struct fleet_cluster *c);
/* Frees C's list of machines that are no member, and empties it. */
void fleet_others_clear(struct fleet_cluster *c);
/* Whether NAME (repmgr node_name, application_name) names node N of C,
 * whatever the image version (api_node_name_is). */
int fleet_node_named(const struct fleet_cluster *c, const struct fleet_node *n,
                     const char *name);
void fleet_node_clear(struct fleet_node *n);
void fleet_volume_clear(struct fleet_volume *v);
void fleet_issue_clear(struct fleet_issue *i);
/* Sets S stale with REASON (copied) keeping updated_ms; or, with REASON
 * NULL, fresh as of NOW_MS.  Returns 1 when anything changed. */
int fleet_stale_set(struct fleet_stale *s, const char *reason, int64_t now_ms);

/* Names: "healthy", "idle", "degraded", "read-only", "no quorum",
 * "unreachable",
 * "unknown"; "primary", "replica", "unknown"; "streaming", "idle",
 * "catchup", "not streaming", "unknown", "" (NONE); "info", "warning",
 * "critical"; the issue and action names of the X-macros.  Static. */
const char *fleet_verdict_name(enum fleet_verdict v);
const char *fleet_role_name(enum fleet_role r);
const char *fleet_lag_state_name(enum fleet_lag_state s);
const char *fleet_severity_name(enum fleet_severity s);
const char *fleet_issue_name(enum fleet_issue_kind k);
const char *fleet_action_name(enum fleet_action a);
/* The verdict called NAME (fleet_verdict_name's text), or -1. */
int fleet_verdict_find(const char *name);

/* The node's marker: '*' SQL primary, '?' unreachable, '!' role
 * disagreement, '~' stale data, ' ' none; the first that applies in the
 * order ? ! ~ * (problems before the primary star). */
char fleet_node_marker(const struct fleet_node *n);

/* Wall-clock Unix milliseconds (CLOCK_REALTIME): the clock of every
 * *_ms instant of the model. */
int64_t fleet_wall_ms(void);

/* ---- the scheduler (fleet.c) ---- */

struct fleet;

/*
 * Cadences (from settings unless overridden): the apps list every
 * refresh.slow (default 60 s); machines and volumes of the focused cluster
 * (the one on screen) and every probe every refresh.fast (default 2 s);
 * machines and volumes of the others every refresh.slow / 4 (at least
 * 4 x fast).  A round is complete when the apps list and every cluster's
 * machines, volumes and probes have answered (or failed) once since the
 * round began.
 */
struct fleet_options {
    int64_t fast_ms;  /* 0: settings refresh.fast */
    int64_t slow_ms;  /* 0: settings refresh.slow */
    int probe;        /* 1 (default): run SQL probes; 0 API only (benches) */
    int max_conns;    /* concurrent SQL connections, 0: 32 */
    const char *only; /* when set, only the cluster called so (status
                         CLUSTER) */
};

/*
 * A new scheduler on LOOP using MACHINES for API calls, the Postgres
 * credentials of CTX and the thresholds and timeouts of S (all borrowed and
 * must outlive it).  OPTS may be NULL (defaults).  Nothing is fetched until
 * fleet_start().  Owned by the caller: fleet_free().
 */
struct fleet *fleet_new(struct loop *loop, struct machines *machines,
                        const struct context *ctx, const struct settings *s,
                        const struct fleet_options *opts);
/* Cancels every request and connection, frees everything.  NULL is fine. */
void fleet_free(struct fleet *f);

/*
 * For one-shot commands (act_cli, sql_cli): a fleet (with SQL probes) of
 * the cluster ONLY (NULL: every cluster) on LOOP, run until its first round
 * is complete or DEADLINE_MS passed.  Returns 0 with *out set (owned:
 * fleet_free; the model holds the answer), or an exit code (enum cli_exit:
 * 4 platform unreachable, 1 no complete answer, the loop failing) with
 * *cause set and *out NULL.  Uses the loop's before-sleep hook while it
 * runs.
 */
int fleet_refresh_once(struct loop *loop, struct machines *machines,
                       const struct context *ctx, const struct settings *s,
                       const char *only, int64_t deadline_ms,
                       struct fleet **out, char **cause);

/*
 * Adopts SNAPSHOT (from cache_load(); ownership passes to F) as the
 * current model, every scope marked stale "from cache".  Only before
 * fleet_start().
 */
void fleet_adopt(struct fleet *f, struct fleet_model *snapshot);

/* Starts the first round at once and the timers after it. */
void fleet_start(struct fleet *f);

/* The model (borrowed; see the header comment for how long). */
const struct fleet_model *fleet_model(const struct fleet *f);

/* Called (with ARG) after a loop turn's callbacks changed the model; at
 * most once per turn.  CB NULL removes it. */
void fleet_set_on_change(struct fleet *f, void (*cb)(void *arg), void *arg);

/* The cluster on screen (refreshed at the fast cadence), or NULL for the
 * fleet view (all clusters at the slower cadence for machines, all probes
 * fast).  NAME is copied. */
void fleet_set_focus(struct fleet *f, const char *name);

/* Pause (1) stops scheduling new requests (in-flight ones complete);
 * resume (0) refreshes at once. */
void fleet_set_paused(struct fleet *f, int paused);
int fleet_paused(const struct fleet *f);

/* The fast interval, clamped to [1 s, 60 s]; takes effect at the next
 * tick. */
void fleet_set_interval(struct fleet *f, int64_t fast_ms);
int64_t fleet_interval(const struct fleet *f);

/* Starts a full round now (apps list included) unless one is running. */
void fleet_refresh_now(struct fleet *f);

/* Whether requests or probes are in flight (a spinner). */
int fleet_busy(const struct fleet *f);

#endif
