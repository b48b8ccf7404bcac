/*
 * cache: the last-snapshot cache, so that the first frame appears at once.
 *
 * The file ($XDG_STATE_HOME/pgdeck/cache-<context>.json, mode 0600) holds
 * the `pgdeck status --json` document of the last complete refresh plus
 * "saved_at_ms".  cache_load() turns it back into a model in which every
 * scope is stale with the reason "from cache" and its original age (the
 * time of the last good data is kept), and derives verdicts and issues
 * again; the scheduler replaces it with fresh data as answers arrive.
 * History rings, events and check outputs are not cached.
 *
 * Both functions do small blocking file I/O: call cache_load() once at
 * start (like reading the config) and cache_save() after a complete
 * round, not more than once every few seconds.  The file holds no secret
 * (no token, no password); it is written atomically (temp file + rename).
 *
 * Collaborators: status (JSON format), fleet (fleet_adopt), derive, paths.
 */
#ifndef PGDECK_SRC_CACHE_H
#define PGDECK_SRC_CACHE_H

struct fleet_model;

/* The cache file of context CONTEXT; owned by the caller.  NULL when the
 * name is not a safe file name part. */
char *cache_path(const char *context);

/* Writes M to PATH (creating the directory, mode 0700).  Returns 0, or -1
 * with *cause set (owned by the caller) when CAUSE is not NULL. */
int cache_save(const struct fleet_model *m, const char *path, char **cause);

/* Reads PATH.  Returns a model (owned by the caller: fleet_model_free or
 * fleet_adopt), or NULL with *cause set (a missing file, bad JSON). */
struct fleet_model *cache_load(const char *path, char **cause);

/* Like cache_load() from TEXT (for tests and fuzzing). */
struct fleet_model *cache_parse(const char *text, char **cause);

#endif
