/*
 * snap: the volume snapshots of a cluster, as the operator sees them
 * (issue 9): listed per node, newest first, with the age of each node's
 * newest snapshot flagged when it is older than a day (SNAP_STALE_MS).
 *
 * snap_list_start() asks GET /v1/apps/APP/volumes/VOL/snapshots for the
 * volume of every node of a cluster (or of one node) at once, on the loop,
 * and calls back once with every answer in; a volume whose list failed
 * keeps its error (the others are still shown).  It never blocks.
 * snap_list_once() is the same for a one-shot command: the loop runs
 * until the answers are in or the deadline passes.
 *
 * The rows keep names and values only (no model pointer): the list stays
 * valid while the model changes.
 *
 * Output: snap_print_table() for people (one row per snapshot, then a
 * line per node saying how old its newest snapshot is), snap_print_json()
 * for scripts; `pgdeck snapshot list` prints one or the other, and the
 * console's snapshots view draws the same rows.
 *
 * Collaborators: machines (the requests), fleet (the cluster's nodes and
 * volumes), loop, act_cli (restore looks a snapshot up), ui (the view),
 * cli and main (snap_cli_list).
 */
#ifndef PGDECK_SRC_SNAP_H
#define PGDECK_SRC_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/api.h"

struct fleet_cluster;
struct loop;
struct machines;

/* The newest snapshot of a volume older than this is flagged. */
#define SNAP_STALE_MS (24LL * 3600 * 1000)

/* One snapshot of a node's volume. */
struct snap_row {
    char *node;   /* machine id */
    char *role;   /* "primary", "replica", ... (fleet_role_name) */
    char *region; /* the volume's region */
    char *volume; /* vol_... */
    int volume_gb;
    struct api_snapshot s; /* owned */
};

/* What was found for one node's volume. */
struct snap_volume {
    char *node;
    char *role;
    char *volume;      /* "" when the node mounts none */
    char *region;      /* the volume's region (else the node's) */
    int volume_gb;     /* its size, 0 unknown */
    char *error;       /* the list failed: why; else NULL */
    int unreachable;   /* no HTTP answer at all */
    size_t count;      /* snapshots listed */
    int64_t newest_ms; /* created_at of the newest, 0 when none */
};

struct snap_result {
    char *cluster;
    struct snap_row *rows; /* every snapshot, newest first */
    size_t n_rows;
    struct snap_volume *vols; /* per node, in the model's order */
    size_t n_vols;
};

void snap_result_clear(struct snap_result *r);

/* The row of snapshot ID, or NULL (borrowed from R). */
const struct snap_row *snap_find(const struct snap_result *r, const char *id);

/* Whether V's newest snapshot is missing or older than SNAP_STALE_MS at
 * NOW_MS (Unix ms); a volume whose list failed or that has no volume is
 * not flagged (nothing is known). */
int snap_volume_stale(const struct snap_volume *v, int64_t now_ms);

/* "3h", "2d 4h", "45s": AGE_MS for people, into OUT. */
void snap_age_text(int64_t age_ms, char *out, size_t len);

struct snap_list;
/* R is borrowed for the call; take its arrays by setting them NULL. */
typedef void (*snap_list_cb)(struct snap_result *r, void *arg);

/* Lists the snapshots of C's node volumes (only node NODE's when not
 * NULL; it must be a node of C) with M.  CB(ARG) runs once from LOOP
 * (never inside this call, also when there is nothing to ask).  Owned:
 * snap_list_free() after or instead of the callback (before it: cancelled, no
 * callback). */
struct snap_list *snap_list_start(struct loop *loop, struct machines *m,
                                  const struct fleet_cluster *c,
                                  const char *node, snap_list_cb cb, void *arg);
void snap_list_free(struct snap_list *l);

/* snap_list_start() for a one-shot command: runs LOOP until the answers
 * are in.  Returns 0 with *OUT filled (snap_result_clear), or -1 with
 * *cause set (the deadline passed, or the loop failed). */
int snap_list_once(struct loop *loop, struct machines *m,
                   const struct fleet_cluster *c, const char *node,
                   int64_t deadline_ms, struct snap_result *out, char **cause);

/* The table for people, at NOW_MS.  ASCII only. */
void snap_print_table(FILE *out, const struct snap_result *r, int64_t now_ms);
/* One JSON document: {"cluster", "snapshots": [...], "volumes": [...]}. */
void snap_print_json(FILE *out, const struct snap_result *r, int64_t now_ms);

/* `pgdeck snapshot list CLUSTER [--node ID] [--json]` (snap_cli.c): one
 * refresh of the cluster, then its snapshots.  Exit 0 (also when a node has
 * none: the table says so), 1 when a list failed, 3 no such cluster or
 * node, 4 platform unreachable. */
struct cli;
struct context;
struct settings;
int snap_cli_list(const struct cli *cli, const struct settings *s,
                  const struct context *ctx, FILE *out, FILE *err);

#endif
