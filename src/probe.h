/*
 * probe: the SQL probes of one node (DESIGN.md "Data flow", step 4).
 *
 * One probe is one round trip of a fixed multi-statement query on a kept
 * connection (db.h) to the node's private_ip:5433: role truth
 * (pg_is_in_recovery), timeline, fencing (default_transaction_read_only),
 * replay state of a replica, database size, connections; and, from the
 * node's pg_stat_replication, every standby's sent/write/flush/replay
 * distance in bytes and lag times (keyed by application_name = the
 * standby's machine id), and the replication slots with the WAL they
 * retain.  Everything is read-only and runs under statement_timeout.
 *
 * struct probe keeps one connection per node key (the machine id) and
 * reuses it for the next probe; a failed connection is dropped and the
 * next probe reconnects.  At most MAX_ACTIVE connections connect or query
 * at once; further probes wait in a FIFO queue, so 300 nodes do not open
 * 300 sockets in the same millisecond.
 *
 * Collaborators: db (connections), loop, fleet (the only caller: applies
 * results to the model), context (credentials: passfile or password env).
 */
#ifndef PGDECK_SRC_PROBE_H
#define PGDECK_SRC_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct probe;
struct probe_req;

/* One row of pg_stat_replication.  Bytes behind the node's current WAL
 * position per stage (-1 when the LSN is NULL); lag times in ms (-1 when
 * NULL: caught up and idle, or not yet measured). */
struct probe_standby {
    char *app_name; /* application_name: the standby's machine id */
    char *state;    /* streaming, catchup, startup, backup, stopping */
    int64_t sent_bytes, write_bytes, flush_bytes, replay_bytes;
    int64_t write_lag_ms, flush_lag_ms, replay_lag_ms;
};

struct probe_slot {
    char *name;
    char *type;
    int active;
    int64_t retained_bytes; /* -1 unknown (no restart_lsn) */
};

/* What one probe found.  Owned by the result (probe_result_clear). */
struct probe_result {
    int in_recovery;         /* 1 replica, 0 primary */
    int64_t timeline;        /* -1 unknown */
    int read_only;           /* default_transaction_read_only = on */
    int replay_paused;       /* replica only */
    int64_t replay_delay_ms; /* replica: since the last replayed xact, -1 */
    int64_t db_size_bytes;   /* -1 unknown */
    int connections;         /* client backends */
    int max_connections;
    struct probe_standby *standbys;
    size_t n_standbys;
    struct probe_slot *slots;
    size_t n_slots;
};

/* How to reach the nodes: the same for every node of a context. */
struct probe_config {
    const char *user;             /* "postgres" */
    const char *dbname;           /* NULL: "postgres" */
    const char *passfile;         /* NULL: libpq's default */
    const char *password;         /* NULL: passfile / libpq (wiped at free) */
    int port;                     /* 0: 5433 */
    int64_t connect_timeout_ms;   /* 0: 3000 */
    int64_t statement_timeout_ms; /* 0: 5000 */
    int max_active;               /* 0: 32 */
};

/* The outcome of one probe: RES on success (borrowed for the call; move
 * out what you keep by zeroing the fields), else ERROR (borrowed) says
 * why ("127.0.0.3:5433: connect timed out after 3.0 s"). */
typedef void (*probe_cb)(const char *key, struct probe_result *res,
                         const char *error, void *arg);

/* A prober on L with CFG (strings copied).  Owned: probe_free(). */
struct probe *probe_new(struct loop *l, const struct probe_config *cfg);
/* Closes every connection; no callback runs afterwards.  NULL fine. */
void probe_free(struct probe *p);

/* Probes the node KEY (copied; one probe per key at a time) at HOST
 * (copied).  CB runs once from the loop.  When the kept connection of KEY
 * goes to another host, it is replaced.  Returns a handle valid until CB
 * ran or probe_cancel(), or NULL when a probe of KEY is already under way
 * (nothing started). */
struct probe_req *probe_node(struct probe *p, const char *key, const char *host,
                             probe_cb cb, void *arg);
/* Cancels R: its callback will not run (the connection is kept when it
 * was idle, else closed). */
void probe_cancel(struct probe_req *r);
/* Closes the kept connection of KEY (a node that went away).  A probe of
 * KEY under way is cancelled without a callback. */
void probe_forget(struct probe *p, const char *key);

/* Probes running or queued; connections kept. */
size_t probe_pending(const struct probe *p);
size_t probe_connections(const struct probe *p);

void probe_result_clear(struct probe_result *r);

/* The query every probe sends (for docs and tests). */
extern const char probe_sql[];

#endif
