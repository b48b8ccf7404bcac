/*
 * status: `pgdeck status [CLUSTER] [--json] [--watch]`, the fleet model as
 * a patronictl/repmgr-style table or as JSON.
 *
 * status_run() builds the loop, the HTTP client and the fleet scheduler
 * for the current context, shows the snapshot cache's model at once when
 * the refresh cannot finish, runs one full refresh round (apps, machines,
 * volumes, probes) and prints it; with --watch it prints again after
 * every round until SIGINT/SIGTERM.  It never starts a platform daemon
 * (the console does): a platform that does not answer is exit code 4,
 * with the last known data printed and marked stale.  Nothing waits
 * without a deadline: a round that does not finish within
 * STATUS_DEADLINE_MS prints what is known, each late part marked stale.
 *
 * Exit codes (DESIGN.md): 0 every shown cluster healthy; 1 any degraded,
 * read-only, without quorum, unreachable or unknown, an API error, or an
 * unknown CLUSTER; 4 the platform API did not answer.
 *
 * JSON (stable keys; sizes in bytes, times in seconds, null = unknown):
 *   { "context", "org", "status": "ok"|"unreachable"|"error"|"starting",
 *     "stale": bool, "stale_reason": str|null, "age_seconds": num|null,
 *     "from_cache": bool, "skipped_apps": [str],
 *     "clusters": [ {
 *       "cluster", "region" (PRIMARY_REGION), "flavor", "image_version",
 *       "verdict": "healthy"|"degraded"|"read-only"|"no quorum"|
 *                  "unreachable"|"unknown",
 *       "quorum": { "ok", "members", "up", "needed", "ha" },
 *       "members_ok", "members_total", "role_map",
 *       "worst_lag_bytes", "worst_lag_seconds", "worst_used_pct",
 *       "worst_eta_full_seconds",
 *       "stale", "stale_reason", "age_seconds",
 *       "issues": [ { "kind", "severity", "node", "text", "action",
 *                     "fix" } ],
 *       "nodes": [ {
 *         "id", "name", "region", "role" (SQL), "check_role", "state",
 *         "reachable", "marker" ("*", "?", "!", "~" or " "),
 *         "lag_state" ("", "streaming", "idle", "catchup",
 *                      "not streaming", "unknown"),
 *         "lag_bytes": { "sent", "write", "flush", "replay" },
 *         "lag_seconds", "timeline", "replay_paused",
 *         "volume": { "id", "size_gb", "used_bytes", "used_pct",
 *                     "eta_full_seconds" },
 *         "memory_mb", "image_version", "checks": "2/3",
 *         "stale", "stale_reason", "age_seconds" } ] } ] }
 *
 * Collaborators: fleet (the model and scheduler), cache (first frame and
 * saving), http, machines, loop, context, settings, cli (options, exit
 * codes), main (dispatch).
 */
#ifndef PGDECK_SRC_STATUS_H
#define PGDECK_SRC_STATUS_H

#include <stdint.h>
#include <stdio.h>

struct buf;
struct cli;
struct context;
struct fleet_model;
struct settings;

#define STATUS_DEADLINE_MS 30000

/* Runs the command (see above); OUT and ERR get the output and the
 * diagnostics.  Returns the exit code. */
int status_run(const struct cli *cli, const struct settings *s,
               const struct context *ctx, FILE *out, FILE *err);

/* The JSON document for M (every cluster, or only ONLY when not NULL), as
 * of wall-clock NOW_MS (ages), appended to OUT with a final newline. */
void status_json(const struct fleet_model *m, const char *only, int64_t now_ms,
                 struct buf *out);
/* The table for M, as status_json. */
void status_table(const struct fleet_model *m, const char *only, int64_t now_ms,
                  struct buf *out);
/* The exit code M calls for (ONLY as above; an unknown ONLY is 1). */
int status_exit_code(const struct fleet_model *m, const char *only);

#endif
