/*
 * state: the records of the local platform (apps, machines, volumes,
 * snapshots, leases, events, checks) and the one lock that guards them.
 *
 * Every record lives in the single global store.  Readers and writers take
 * st_lock(); every change ends with st_changed(), which saves the store to
 * <state>/state.json atomically (persist.c), rewrites the pgpass file when
 * it changed, and broadcasts the condition variable that /wait and the
 * seeder sleep on.  Records are never freed while the daemon runs
 * (destroyed machines stay, flagged, for include_deleted and for threads
 * still holding a pointer); st_free_all() releases them at exit.
 *
 * The slow work (runtime calls) never runs under the lock: ops.c copies what
 * it needs into an rt_machine snapshot first.
 *
 * Collaborators: persist.c (JSON file), ops.c (workers), render.c (JSON
 * views), every routes_*.c, monitor.c, seed.c.
 */
#ifndef PGDECK_SRC_PLATFORMD_STATE_H
#define PGDECK_SRC_PLATFORMD_STATE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define ST_MAX_EVENTS 50

struct st_event {
    char type[24];
    char status[24];
    char source[8];
    long long ts_ms;
    int has_exit; /* request.exit_event present */
    int exit_code;
    int exit_signal;
    int requested_stop;
    int restarting;
};

struct st_check {
    char *name;
    char *status; /* passing | warning | critical */
    char *output;
    long long updated_ms;
};

struct st_lease {
    char *nonce; /* NULL: no lease */
    char *owner;
    char *description;
    long long expires_at; /* unix seconds */
};

struct st_snapshot {
    char *id;
    long long size;
    long long volume_size;
    char *digest;
    long long created_ms;
    int retention_days;
    int automatic;
};

struct st_volume {
    char *id;
    char *app;
    char *name;
    char *region;
    char *zone;
    char *state; /* created, destroyed, ... */
    int size_gb;
    int encrypted;
    char *attached_machine_id; /* or NULL */
    long long created_ms;
    int snapshot_retention;
    int auto_backup_enabled;
    long long last_auto_snapshot_ms;
    int destroyed;
    long long destroyed_ms; /* when a DELETE soft-deleted it (listed as
                               pending_destroy for a day), else 0 */
    int busy;               /* a runtime call on the volume is under way */
    struct st_snapshot **snaps;
    size_t nsnaps;
};

/* An app secret (secrets.h): write-only through the API. */
struct st_secret {
    char *name;
    char *value;
    long long created_ms, updated_ms;
};

/* The app's secrets at one version. */
struct st_secrets {
    struct st_secret *v;
    size_t n;
    long long version; /* 0: never set */
};

struct st_app {
    char *id;
    char *name;
    char *org;
    char *role;                /* app_role_id, e.g. "postgres_cluster", or "" */
    struct st_secrets secrets; /* the newest version */
    struct st_secrets prev;    /* the one before, while the newest spreads */
    long long secrets_changed_ms;
    char *consul_token; /* issued by GraphQL enablePostgresConsul, or NULL */
    char *consul_prefix;
    int next_node_id;
    long long created_ms;
    int deleted;
};

enum st_op_kind {
    ST_OP_START,
    ST_OP_STOP,
    ST_OP_RESTART,
    ST_OP_DESTROY,
};

struct st_op {
    enum st_op_kind kind;
    int sig;
    int timeout_s;
    int restart_count; /* START from the restart policy: keep the count */
};

struct st_machine {
    char *id;
    char *app;
    char *name;
    char *region;
    char *state;
    char *instance_id;
    char *private_ip;
    cJSON *config;     /* owned; never NULL */
    int is_postgres;   /* a Postgres image that runs a node: not a barman
                          machine (env IS_BARMAN) nor one whose init.exec
                          replaces the image's command (a console) */
    int pg_flavor;     /* ST_PG_NONE, ST_PG_FLEX, ST_PG_STOLON (image) */
    char *img_version; /* the image's fly.version label, "" for none */
    char *img_registry;
    char *img_repository;
    char *img_tag;
    char *img_digest;
    long long created_ms;
    long long updated_ms;
    struct st_event events[ST_MAX_EVENTS]; /* newest first */
    size_t nevents;
    struct st_check *checks;
    size_t nchecks;
    struct st_lease lease;
    int repmgr_node_id;
    long long min_secrets_version; /* boots with app secrets at least this
                                      new (0: whatever has spread) */
    int cordoned;
    int restart_count;
    int readonly; /* the disk-capacity rule turned the cluster read-only */
    /* The crash fault's down_s: until then (unix ms) the monitor leaves the
     * crashed machine stopped, then starts it; 0: no hold.  A start through
     * the API clears it.  Not persisted. */
    long long down_until_ms;
    /* The host fault: what the API says of the machine's host ("unknown",
     * "unreachable"), NULL: "ok"; its config is then rendered only as
     * incomplete_config unless host_keeps_config.  Not persisted. */
    char *host_status;
    int host_keeps_config; /* the API still renders its config */
    /* The stale fault: while stale_s > 0, each update or restart leaves
     * GET machine answering stale_doc (the machine as it was just before:
     * its old instance, state, events and checks) until stale_until_ms.
     * Not persisted. */
    int stale_s;
    cJSON *stale_doc;
    long long stale_until_ms;
    int destroyed;
    char *create_nonce; /* lease nonce to show once, on create */
    /* worker queue (ops.c) */
    struct st_op *ops;
    size_t nops;
    int worker_running;
    pthread_mutex_t rtmu; /* serialises runtime calls on this machine */
};

struct st_store {
    char *dir;
    int ip_a, ip_b; /* 127.A.B.x: this daemon's slice of loopback */
    struct st_app **apps;
    size_t napps;
    struct st_machine **machines;
    size_t nmachines;
    struct st_volume **volumes;
    size_t nvolumes;
    int shutting_down;
    unsigned long generation; /* bumped by st_changed() */
};

/* The store; touch it only with the lock held. */
extern struct st_store st;

/* Sets up the lock, the condition variable and st.dir (copied). */
void st_init(const char *dir);
void st_lock(void);
void st_unlock(void);
/*
 * Call with the lock held after any change: saves state.json and pgpass,
 * bumps the generation, wakes every waiter.  Errors are logged.
 */
void st_changed(void);
/* Wakes every waiter without saving (check results, shutdown). */
void st_broadcast(void);
/*
 * Sleeps on the condition variable (lock held) until woken or DEADLINE_MS
 * (CLOCK_REALTIME unix ms) passes.  Returns 0 when woken, -1 on timeout.
 */
int st_wait_until(long long deadline_ms);

struct st_app *st_app_find(const char *name); /* not deleted */
struct st_machine *st_machine_find(const char *app, const char *id);
/* Finds by id across apps (destroyed included); NULL if none. */
struct st_machine *st_machine_by_id(const char *id);
struct st_volume *st_volume_find(const char *app, const char *id);
struct st_volume *st_volume_by_id(const char *id);

/* Adds records (the store takes ownership). */
void st_app_add(struct st_app *a);
void st_machine_add(struct st_machine *m);
void st_volume_add(struct st_volume *v);

/* A new machine record with defaults: state "created", no config. */
struct st_machine *st_machine_new(void);

/* The flavours of Postgres image the platform knows (doc/architecture.md,
 * "The local platform"). */
#define ST_PG_NONE 0
#define ST_PG_FLEX 1   /* flyio/postgres-flex[-timescaledb]: repmgr */
#define ST_PG_STOLON 2 /* flyio/postgres[-timescaledb]: run without repmgr */
/* The fly.version of flex and stolon images not named by --image. */
#define ST_FLEX_VERSION "v0.0.66"
#define ST_STOLON_VERSION "v0.0.41"

/*
 * Registers ARG, "REF=VERSION" (--image): the registry's image REF (a
 * config.image, or REPOSITORY:TAG) carries label fly.version=VERSION
 * ("vX.Y.Z" or "custom").  Called before any machine is loaded.  Returns 0,
 * or -1 with *CAUSE.
 */
int st_image_register(const char *arg, char **cause);
/*
 * repmgr's node_name for M, owned: the machine id from flex v0.0.63; the
 * <id>.vm.<app>.internal hostname on v0.0.59; the private IP on every
 * other older version.
 */
char *st_machine_node_name(const struct st_machine *m);

/* Sets the state (copied) and updated_at. */
void st_machine_set_state(struct st_machine *m, const char *state);
/* Pushes an event (newest first; the oldest falls off). */
struct st_event *st_machine_event(struct st_machine *m, const char *type,
                                  const char *status, const char *source);
/*
 * Replaces CONFIG (taking ownership) and derives image fields and
 * is_postgres from config.image.
 */
void st_machine_set_config(struct st_machine *m, cJSON *config);
/* Replaces the check results with a copy of CHECKS. */
void st_machine_set_checks(struct st_machine *m, const struct st_check *checks,
                           size_t n);
/* The volume id of the machine's first mount, or NULL.  Borrowed. */
const char *st_machine_volume_id(const struct st_machine *m);
/* The env var NAME of the machine's config, or NULL.  Borrowed. */
const char *st_machine_env(const struct st_machine *m, const char *name);
/* guest.memory_mb / guest.cpus with Fly's defaults (256, 1). */
int st_machine_memory_mb(const struct st_machine *m);
int st_machine_cpus(const struct st_machine *m);

/* Whether the lease of M is held now (not expired). */
int st_lease_active(const struct st_machine *m, long long now_s);
/* Drops the lease of M. */
void st_lease_clear(struct st_machine *m);

/* Whether STATE is settled (not a transitional state). */
int st_state_is_settled(const char *state);

/* Allocates a fresh private IP (probing ip:5433 with bind()).  Allocated;
 * the lock must be held. */
char *st_alloc_ip(void);

/*
 * Serialises runtime calls on volume V (lock held): waits while another
 * call runs, then marks V busy.  st_volume_release() (lock held) ends it.
 */
void st_volume_acquire(struct st_volume *v);
void st_volume_release(struct st_volume *v);

/* Releases every record (at exit, no threads left). */
void st_free_all(void);

/* Frees snapshot S and its strings; NULL is a no-op. */
void st_snapshot_free(struct st_snapshot *s);

/*
 * Free app A (passwords wiped first) or volume V (and its snapshots) with
 * all their strings, a record not added to the state or no longer in it;
 * NULL is a no-op.
 */
void st_app_free(struct st_app *a);
void st_volume_free(struct st_volume *v);
/* Frees a machine record that is not (or no longer) in the store. */
void st_machine_free(struct st_machine *m);

#endif
