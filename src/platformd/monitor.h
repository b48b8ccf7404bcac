/*
 * monitor: the daemon's periodic supervisor (one thread, every ~3 s).
 *
 * For every started machine that no worker is busy with: whether its main
 * process is alive (rt_alive); when dead, an "exit" event and then the
 * restart policy (config.restart.policy: always, on-failure -- the default
 * -- with max_retries, or no -> stopped), unless the crash fault holds it
 * down (down_until_ms: left stopped, started once that time passed).  When
 * alive, the health checks
 * named in config.checks among pg, role and vm (all three for Postgres
 * machines) through rt_check, stored as the machine's checks.  Then
 * postgres-flex's disk-capacity rule on each primary (volume over 90 % ->
 * rt_set_readonly on, back under -> off) and the daily automatic snapshots
 * of volumes with auto_backup_enabled, pruned after snapshot_retention
 * days.
 *
 * Collaborators: state.h, ops.h (restarts), runtime.h, volume.h,
 * routes.h (routes_volume_snapshot_take).
 */
#ifndef PGDECK_SRC_PLATFORMD_MONITOR_H
#define PGDECK_SRC_PLATFORMD_MONITOR_H

#define MONITOR_INTERVAL_MS 3000
#define MONITOR_READONLY_PCT 90
#define MONITOR_DAY_MS (24LL * 3600 * 1000)

/*
 * The length of a "day" for the automatic snapshots and their retention:
 * MONITOR_DAY_MS unless --day shortens it for drills and tests.  Call
 * before monitor_start().
 */
void monitor_set_day_ms(long long ms);
/* The length of a day (--day): snapshot cadence, retention, and how long a
 * deleted volume is listed as pending_destroy. */
long long monitor_day(void);

/* Starts the thread.  Returns 0, or -1 with *cause. */
int monitor_start(char **cause);
/* Stops and joins it (the store must be marked shutting_down first). */
void monitor_stop(void);

/*
 * The restart decision for a machine found dead (pure): 1 to restart,
 * 0 to leave it stopped.  POLICY may be NULL (on-failure), MAX_RETRIES <= 0
 * means the default (10), RESTARTS is how many restarts already happened.
 */
int monitor_should_restart(const char *policy, int max_retries, int restarts);

#endif
