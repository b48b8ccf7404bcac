/*
 * derive: pure functions from the fleet model's raw facts to what the
 * operator is shown: a replica's lag from its primary's pg_stat_replication
 * row, the role disagreement flag, volume fill rate and time to full,
 * history rings, and per cluster the verdict, quorum in PRIMARY_REGION,
 * the role map, worst lag and volume, and the issues list (repmgr's
 * "following issues were detected", each with the action that fixes it).
 *
 * No loop, no I/O, no clock: NOW_MS is always a parameter, so every rule is
 * table-tested (tests/unit/test_derive.c).
 *
 * Rules (the verdict is the first that applies):
 *   unknown      no node was probed yet and the API never answered;
 *   unreachable  nodes were probed and none answered SQL;
 *   no quorum    reachable members in PRIMARY_REGION < members there/2 + 1
 *                (postgres-flex fences the primary then);
 *   read-only    no primary, the primary is fenced (zombie role or
 *                default_transaction_read_only), or its volume is at or
 *                above disk_crit (flex turns the cluster read-only > 90 %);
 *   degraded     any warning or critical issue;
 *   healthy      otherwise (info issues, e.g. "not HA", do not count).
 *
 * Collaborators: fleet.h (the model it fills), probe.h (the standby rows),
 * settings.h (thresholds); used by fleet.c, cache.c and the tests.
 */
#ifndef PGDECK_SRC_DERIVE_H
#define PGDECK_SRC_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "src/fleet.h"

struct probe_standby;
struct settings;

/* Thresholds (settings "thresholds.*"). */
struct derive_limits {
    int64_t lag_bytes_warn, lag_bytes_crit;
    int64_t lag_ms_warn, lag_ms_crit;
    int disk_warn, disk_crit;         /* percent used */
    int64_t eta_warn_ms, eta_crit_ms; /* time to full */
    int64_t fill_window_ms;           /* fill rate over this window */
    int64_t fill_min_span_ms;         /* ... once it spans at least this */
};

/*
 * Volume usage is sampled into its history ring at most this often, so
 * that the ring (FLEET_RING_LEN samples) holds an hour, enough for the fill
 * window.  Disk use moves slowly; lag keeps its per-refresh ring.
 */
#define DERIVE_DISK_SAMPLE_MS (30LL * 1000)

/* The defaults of settings.c plus eta 24 h / 1 h, a 30 min window and a
 * 5 min minimum span: a rate taken over seconds (a fresh node allocating
 * WAL, say) would project "full in minutes" from noise. */
void derive_limits_default(struct derive_limits *lim);
/* The thresholds of S (NULL: defaults). */
void derive_limits_from_settings(const struct settings *s,
                                 struct derive_limits *lim);

/* ---- rings ---- */

/* Appends (T_MS, V), dropping the oldest sample when full. */
void derive_ring_push(struct fleet_ring *r, int64_t t_ms, int64_t v);
/* Sample I in time order (0 = oldest).  Returns 0, or -1 when I >= r->n. */
int derive_ring_at(const struct fleet_ring *r, size_t i, int64_t *t_ms,
                   int64_t *v);
/* The newest sample's value, or DFLT when empty. */
int64_t derive_ring_last(const struct fleet_ring *r, int64_t dflt);

/* ---- per node ---- */

/*
 * Sets N's lag fields from ROW, the primary's pg_stat_replication row whose
 * application_name is N's id (NULL: none).  PRIMARY_KNOWN: whether the
 * cluster's primary answered its probe (else the lag is UNKNOWN).  IS_PRIMARY:
 * N is that primary (lag NONE).  Pushes lag_replay_bytes into N->lag_hist
 * at NOW_MS when it is known.
 */
void derive_node_lag(struct fleet_node *n, const struct probe_standby *row,
                     int primary_known, int is_primary, int64_t now_ms);

/* Whether the SQL role ROLE and the role check's text CHECK_ROLE disagree:
 * primary vs anything but primary/leader/zombie, replica vs
 * primary/leader.  Unknown on either side never disagrees. */
int derive_role_disagree(enum fleet_role role, const char *check_role);

/* Whether ring R's newest sample is older than EVERY_MS at NOW_MS (or R is
 * empty): the caller pushes a sample then. */
int derive_ring_due(const struct fleet_ring *r, int64_t now_ms,
                    int64_t every_ms);

/* Sets V's used_pct, fill_rate and eta_full_ms from its size, used bytes
 * and used_hist, over LIM's window, as of NOW_MS. */
void derive_volume(struct fleet_volume *v, const struct derive_limits *lim,
                   int64_t now_ms);

/* ---- per cluster ---- */

/* Computes C's derived fields (primary .. issues, verdict) from its nodes;
 * previous issues and role_map are freed.  Nodes must be current. */
void derive_cluster(struct fleet_cluster *c, const struct derive_limits *lim,
                    int64_t now_ms);

/* ---- text ---- */

/* "512 B", "1.5 kB", "48.0 MB", "2.0 GB" (1024-based) into OUT. */
void derive_format_bytes(int64_t bytes, char *out, size_t len);
/* "850 ms", "12 s", "4m05s", "3h12m", "2d04h" into OUT. */
void derive_format_duration(int64_t ms, char *out, size_t len);

#endif
