/*
 * rt_internal: what the runtime's files share and nobody else sees.
 *
 * runtime.c (machine lifecycle), node.c (the postgres-flex boot), nodeconf.c
 * (the files a node reads: postgresql.internal.conf, pg_hba.conf, repmgr.conf,
 * .pgpass), checks.c (health checks, read-only, replay pause), exec.c (the
 * exec allowlist), pgq.c (blocking libpq helpers), proc.c (pid files, /proc)
 * and runas.c (fork, drop to the postgres user, exec, wait with a timeout)
 * meet here.  volume.c uses runas and proc too.
 *
 * Process model: nothing the runtime starts stays a child of the daemon.
 * Short-lived programs are forked and waited for by the calling thread;
 * long-lived ones detach (pg_ctl, repmgrd --daemonize, a double fork for the
 * placeholder) and are found again through pid files.
 */
#ifndef PGDECK_SRC_PLATFORMD_RT_INTERNAL_H
#define PGDECK_SRC_PLATFORMD_RT_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "src/platformd/runtime.h"

/* ---- runas.c ---- */

/* Who the runtime's programs run as: the postgres user when the daemon is
 * root, the daemon's own user otherwise. */
struct runas_ident {
    int drop; /* 1: setgroups/setgid/setuid before exec */
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* owned */
    int ngroups;
    char *name; /* owned */
    char *home; /* owned */
};

/* How to run one program. */
struct runas_opts {
    int timeout_s;          /* 0: no limit */
    const char *cwd;        /* NULL: "/" */
    const char *const *env; /* extra "K=V" entries, NULL-terminated, or NULL */
    const char *input;      /* stdin contents, or NULL for /dev/null */
    int as_self;            /* 1: never drop (programs that need root) */
};

/* Resolves the identity once (rt_init).  Returns 0, or -1 with *cause. */
int runas_init(char **cause);
void runas_fini(void);
/* The identity (valid between runas_init and runas_fini).  Borrowed. */
const struct runas_ident *runas_ident(void);
/* The directory of the ssh shim, put first on every child's PATH. */
void runas_set_shim_dir(const char *dir);

/*
 * Runs ARGV (argv[0] an absolute path) with a clean environment (PATH, HOME,
 * USER, LOGNAME, LANG, plus O->env), as the runtime's identity, stdout and
 * stderr captured (1 MiB each) in RES (owned by the caller, free with
 * rt_exec_result_free).  The program gets its own process group; after
 * O->timeout_s it and its group are killed.  Returns 0 when the program ran
 * to its end (whatever its status), -1 when it could not be started or timed
 * out (*cause says which; RES holds what was captured).
 */
int runas_run(const char *const argv[], const struct runas_opts *o,
              struct rt_exec_result *res, char **cause);

/*
 * runas_run, then 0 only when the program exited 0; otherwise -1 with
 * *cause = "<what> failed: <last lines of its output>".
 */
int runas_check(const char *what, const char *const argv[],
                const struct runas_opts *o, char **cause);

/* Makes PATH (a directory) owned by the identity with MODE. */
int runas_chown_dir(const char *path, int mode, char **cause);
/* Writes DATA to PATH (mode 0600 or MODE), owned by the identity. */
int runas_write_file(const char *path, const char *data, int mode,
                     char **cause);

/* ---- proc.c ---- */

/* Line 1 of PATH as a pid, or -1. */
pid_t proc_read_pidfile(const char *path);
/* Whether PID exists and is not a zombie. */
int proc_alive(pid_t pid);
/* Sends SIG to every live process whose parent is PPID. */
void proc_signal_children(pid_t ppid, int sig);
/* Whether a live process has its working directory at DIR or below it
 * (DIR as realpath(3) gives it); processes whose cwd cannot be read (other
 * users') are not counted. */
int proc_any_cwd_under(const char *dir);
/* Polls until PID is gone or TIMEOUT_MS passed; 1 when gone. */
int proc_wait_gone(pid_t pid, int timeout_ms);
/* Sleeps MS milliseconds. */
void proc_nap(int ms);
/* Monotonic milliseconds. */
long long proc_now_ms(void);
/* Removes PATH and everything below it (no symlink following). */
int proc_rmtree(const char *path);
/* Reads up to MAX bytes of PATH into an owned string, or NULL. */
char *proc_read_file(const char *path, size_t max);

/* ---- pgq.c: blocking libpq, for the daemon's worker threads ---- */

struct pg_conn;

/* Connects as the local superuser over the machine's socket (run_dir). */
struct pg_conn *pgq_local(const struct rt_machine *m, const char *dbname,
                          char **cause);
/* Connects to HOST:5433 as repmgr with PASSWORD (never logged). */
struct pg_conn *pgq_remote(const char *host, const char *dbname,
                           const char *password, int timeout_s, char **cause);
/* pgq_remote() as USER. */
struct pg_conn *pgq_remote_as(const char *host, const char *user,
                              const char *dbname, const char *password,
                              int timeout_s, char **cause);
void pgq_close(struct pg_conn *c);
/* Runs SQL (no result wanted).  0 or -1 with *cause. */
int pgq_exec(struct pg_conn *c, const char *sql, char **cause);
/* Runs SQL and returns the first column of the first row (owned), or NULL
 * with *cause (also NULL when there is no row: *cause says so). */
char *pgq_value(struct pg_conn *c, const char *sql, char **cause);
/* Sets the password of ROLE to PASSWORD, hashed client-side (SCRAM). */
int pgq_set_password(struct pg_conn *c, const char *role, const char *password,
                     char **cause);
/* A SQL literal / identifier for S (owned). */
char *pgq_literal(struct pg_conn *c, const char *s);
char *pgq_ident(struct pg_conn *c, const char *s);

/* ---- runtime.c ---- */

/* The daemon's state dir and the shim dir (valid after rt_init). */
const char *rt_state_dir(void);
const char *rt_shim_dir(void);
/* Owned paths of a machine's files. */
char *rt_path(const struct rt_machine *m, const char *name);
char *rt_data_dir(const struct rt_machine *m);
/* M's repmgr node_name (rt_machine.node_name), the machine id without one. */
const char *rt_node_name(const struct rt_machine *m);
/* The environment of a Postgres machine's programs (NULL-terminated,
 * owned: free with rt_env_free). */
char **rt_env(const struct rt_machine *m);
/* Appends the machine's FLY_* variables (and PRIMARY_REGION) to ENV from
 * index I (room for 5 more); returns the next index. */
size_t rt_env_fly(const struct rt_machine *m, char **env, size_t i);
void rt_env_free(char **env);

/* ---- nodeconf.c ---- */

/* Writes .pgpass and repmgr.conf in the volume, fresh every boot. */
int nodeconf_write_volume(const struct rt_machine *m, char **cause);
/* Writes postgresql.internal.conf and pg_hba.conf in the data dir. */
int nodeconf_write_data(const struct rt_machine *m, char **cause);
/* Appends the cluster-wide settings to a fresh initdb's postgresql.conf. */
int nodeconf_init_data(const struct rt_machine *m, char **cause);
/* The "-o" options of pg_ctl: the node's identity (owned). */
char *nodeconf_pg_opts(const struct rt_machine *m);

/* ---- volume.c (beyond volume.h) ---- */

/* Loop mode: applies a grow that vol_extend could not do while the volume
 * was in use (unmount, e2fsck, resize2fs, mount).  No-op otherwise. */
void vol_apply_pending(const char *id);

/* ---- node.c ---- */

int node_start(const struct rt_machine *m, const struct rt_peer *peers,
               size_t npeers, char **cause);
int node_stop(const struct rt_machine *m, int sig, int timeout_s, char **cause);
void node_crash(const struct rt_machine *m);
/* Appends a line (printf FMT) to the machine's console log,
 * <run_dir>/console.log, where flex's own output goes, and to the daemon's
 * log. */
/* repmgr standby unregister --node-id=NODE_ID, run on M as postgres. */
int node_unregister(const struct rt_machine *m, int node_id, char **cause);
/* flex's Quarantine (ON) or its lifting: zombie.lock on the volume and
 * every database read-only, or neither (unless the disk-capacity rule's
 * readonly.lock holds). */
int rt_quarantine(const struct rt_machine *m, int on, char **cause);
/* 1 when M's volume has zombie.lock. */
int rt_quarantined(const struct rt_machine *m);
void node_console(const struct rt_machine *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int node_alive(const struct rt_machine *m);
pid_t node_postmaster(const struct rt_machine *m);
/* What flex's supervisor does between boots: restarts a dead repmgrd
 * while postgres runs (a standby first follows the current primary when
 * its repmgrd cannot stay up).  Called from rt_check. */
void node_supervise(const struct rt_machine *m);
/* Stops repmgrd (TERM, then KILL after TIMEOUT_MS). */
void node_stop_repmgrd(const struct rt_machine *m, int timeout_ms);

#endif
