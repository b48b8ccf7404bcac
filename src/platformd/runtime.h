/*
 * runtime: what a machine does on this host.
 *
 * The API layer (state.c and the route handlers) owns the records of apps,
 * machines and volumes and decides *when* a machine starts, stops or is
 * destroyed.  This module decides *how*: it turns a machine record into real
 * processes.  A Postgres machine (image flyio/postgres-flex) behaves as a
 * postgres-flex machine: PostgreSQL 15 on its private_ip:5433 plus repmgrd;
 * any other image runs a placeholder process.
 *
 * Threading contract: every rt_* call may block for seconds (initdb, clone,
 * pg_ctl) and touches only the filesystem and processes of the machine it is
 * given.  The caller must not hold the state lock; it passes a snapshot of
 * the record (struct rt_machine, all strings borrowed for the call only).
 * Calls on different machines may run concurrently from different threads;
 * calls on the same machine are serialised by the caller.
 *
 * Identity: when the daemon runs as root, every process of a Postgres
 * machine runs as the `postgres` system user (fork, initgroups, setgid,
 * setuid, exec); otherwise as the daemon's user.
 *
 * Results follow the house style: 0 / -1 with an optional *cause, an
 * allocated message the caller frees.
 */
#ifndef PGDECK_SRC_PLATFORMD_RUNTIME_H
#define PGDECK_SRC_PLATFORMD_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>

#define RT_PG_PORT 5433

/* A snapshot of a machine record, passed by the API layer. */
struct rt_machine {
    const char *app;            /* app name */
    const char *id;             /* machine id (14 hex chars) */
    const char *region;         /* e.g. "iad" */
    const char *primary_region; /* env PRIMARY_REGION, or NULL */
    const char *private_ip;     /* 127.x.y.z, unique on this host */
    int is_postgres;            /* a Postgres node (flex or stolon image;
                                   not barman, not a console) */
    int no_repmgr;              /* a stolon image: a plain PostgreSQL, no
                                   repmgr (the platform runs no stolon) */
    const char *node_name;      /* repmgr node_name: the machine id, or on
                                   flex before v0.0.63 its private IP (or
                                   hostname on v0.0.59) */
    int memory_mb;              /* guest.memory_mb */
    int cpus;                   /* guest.cpus */
    int repmgr_node_id;         /* stable, unique within the app, >= 1 */
    const char *volume_id;      /* mounted volume at /data, or NULL */
    const char *volume_path;    /* host directory standing for /data */
    long long volume_bytes;     /* the volume's size */
    const char *run_dir;        /* private per-machine dir: sockets, logs,
                                   pid files; made by the caller */
    /* The boot environment, from the app's secrets (secrets.h). */
    const char
        *operator_password;    /* for user postgres (FLY: OPERATOR_PASSWORD) */
    const char *repl_password; /* for user repmgr (REPL_PASSWORD) */
    const char *su_password;   /* for user flypgadmin (SU_PASSWORD) */
    const char *restored_from; /* FLY_RESTORED_FROM, or NULL */
    /* What flex says when it cannot boot with that environment ("panic:
     * SU_PASSWORD is required"), or NULL: rt_start fails with it at once
     * and writes it to the machine's console log. */
    const char *boot_panic;
};

/* Another machine of the same app, as rt_start needs to find a primary. */
struct rt_peer {
    const char *id;
    const char *private_ip;
    int repmgr_node_id;
    int started;     /* its state is "started" */
    int is_postgres; /* a Postgres node (rt_machine.is_postgres) */
};

/*
 * Starts the machine: for Postgres, the postgres-flex boot sequence --
 * empty volume and no primary among PEERS: initdb, users, repmgr primary
 * register; empty volume and a primary: repmgr standby clone from it, start,
 * standby register; existing data: start, and node rejoin --force-rewind
 * (after CHECKPOINT on the current primary) when it was fenced or diverged.
 * Then repmgrd, as a child the runtime supervises.  Returns once Postgres
 * accepts connections (or the placeholder runs).
 */
int rt_start(const struct rt_machine *m, const struct rt_peer *peers,
             size_t npeers, char **cause);

/*
 * Stops every process of the machine: SIG (a signal number, SIGINT for a
 * fast Postgres shutdown by default) then SIGKILL after TIMEOUT_S seconds.
 */
int rt_stop(const struct rt_machine *m, int sig, int timeout_s, char **cause);

/* Delivers SIG to the machine's main process (the postmaster). */
int rt_signal(const struct rt_machine *m, int sig, char **cause);

/* A crash: SIGKILL to the postmaster and every process of the machine. */
int rt_crash(const struct rt_machine *m, char **cause);

/* Whether the machine's main process is alive (1) or not (0). */
int rt_alive(const struct rt_machine *m);

/*
 * Runs health check NAME ("pg", "role", "vm") and sets *output (allocated)
 * to the text postgres-flex would return.  Returns 0 for passing, 1 for
 * failing (HTTP 500 in flex), -1 when NAME is unknown.
 */
int rt_check(const struct rt_machine *m, const char *name, char **output);

/*
 * The role as the `role` check reports it: "primary", "replica", "zombie"
 * or "unknown".  Static string.
 */
const char *rt_role(const struct rt_machine *m);

struct rt_exec_result {
    int exit_code;
    int exit_signal;
    char *out; /* owned; capped at 1 MiB */
    char *err; /* owned; capped at 1 MiB */
};

/*
 * Runs ARGV (no shell) in the machine's environment as its user, with
 * "/data" at the start of any argument mapped to volume_path.  argv[0] must
 * name an allowlisted program (repmgr, psql, pg_ctl, pg_isready,
 * pg_controldata, df, cat); otherwise -1 and *cause says which programs are
 * allowed.  Kills the program after TIMEOUT_S seconds.
 */
int rt_exec(const struct rt_machine *m, char *const argv[], int timeout_s,
            struct rt_exec_result *res, char **cause);
void rt_exec_result_free(struct rt_exec_result *res);

/*
 * postgres-flex's disk-capacity rule: when the primary's volume is over 90 %
 * full the cluster turns read-only (every database gets
 * default_transaction_read_only = on, set on the primary so that replicas
 * follow), and back when it drops below.  M must be the primary; ON is 1 or
 * 0.  Idempotent.
 */
int rt_set_readonly(const struct rt_machine *m, int on, char **cause);

/* Faults and drills: pause (1) or resume (0) WAL replay on a replica. */
int rt_replay_pause(const struct rt_machine *m, int pause, char **cause);

/*
 * Removes everything the runtime left for the machine under run_dir; the
 * machine must be stopped.  The volume is not touched.
 */
void rt_destroy(const struct rt_machine *m);

/* Once at daemon start: the state dir (for the ssh shim) and whether to
 * drop to the postgres user.  Returns 0, or -1 with *cause. */
int rt_init(const char *state_dir, char **cause);

/* Once at daemon shutdown, after every machine was stopped. */
void rt_shutdown(void);

/*
 * The host's durability, set once before any machine starts.  By default
 * (0) every node is as durable as on Fly: fsync = on, and initdb,
 * pg_basebackup and repmgr's clone sync what they write.  A test platform
 * (--no-fsync) sets 1: nodes run with fsync = off, those tools with
 * --no-sync, and the daemon's state file is written without fsync.  A killed
 * process loses nothing by it (the page cache survives); only a crash of the
 * host itself would, which no test makes. Nothing of Fly's or postgres-flex's
 * behaviour changes (doc/architecture.md, "Test time").
 */
void rt_set_no_fsync(int on);
int rt_no_fsync(void);

/* ---- flex's monitor on a primary (flexmon.c) ---- */

/* Its periods and thresholds, in seconds (defaults as flex's: 300, 3600,
 * 43200, 3600, 43200). */
struct rt_flexmon_cfg {
    int cluster_s;    /* cluster-state screening */
    int dead_check_s; /* dead-member check */
    int dead_after_s; /* a member unreachable that long is unregistered */
    int slot_check_s; /* replication-slot check */
    int slot_after_s; /* a slot inactive that long is dropped */
};

void rt_flexmon_config(const struct rt_flexmon_cfg *cfg);
/* Sets in CFG the KEY=SECONDS of SPEC ("cluster=60,dead-after=30"; keys
 * cluster, dead, dead-after, slots, slot-after; 1 to 604800 s).  0, or -1
 * with *why naming the bad part. */
int rt_flexmon_parse(const char *spec, struct rt_flexmon_cfg *cfg, char **why);
const struct rt_flexmon_cfg *rt_flexmon_current(void);

/* Runs what is due of the three monitors on machine M at NOW (Unix ms),
 * when repmgr registers it as the primary.  The supervision thread only,
 * with M's runtime lock held. */
void rt_flexmon_tick(const struct rt_machine *m, long long now);

enum {
    RT_FLEXMON_PRIMARY,   /* a majority follows it */
    RT_FLEXMON_UNDECIDED, /* no majority either way: quarantine */
    RT_FLEXMON_ZOMBIE     /* a majority follows another: quarantine */
};

/* flex's ZombieDiagnosis: MEMBERS registered voters with the primary,
 * ACTIVE of them answered (the primary counts), CONFLICTS follow another
 * primary, TOP_CONFLICT of them the same one. */
int rt_flexmon_diagnose(int members, int active, int conflicts,
                        int top_conflict);

#endif
