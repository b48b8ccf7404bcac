/*
 * volume: the local stand-in for Fly volumes.
 *
 * A volume is a directory under <state>/volumes/<id> whose usage is measured
 * (statvfs where it is its own filesystem, a walk of the tree otherwise) and
 * whose size is enforced: in "dir" mode by the daemon (a soft limit the
 * `disk-capacity` logic and fill faults use), in "loop" mode (root only) by a
 * sparse ext4 image loop-mounted on the directory, so that disk full is real.
 * Snapshots are real copies under <state>/snapshots/<id>.
 *
 * Same threading contract as runtime.h: calls may block, the caller holds no
 * lock, calls on one volume are serialised by the caller.  The API layer owns
 * the volume records; this module owns the bytes.
 */
#ifndef PGDECK_SRC_PLATFORMD_VOLUME_H
#define PGDECK_SRC_PLATFORMD_VOLUME_H

#include <stdint.h>

enum vol_mode {
    VOL_MODE_DIR,
    VOL_MODE_LOOP,
};

struct vol_usage {
    uint64_t block_size;
    uint64_t blocks; /* total, of block_size */
    uint64_t blocks_free;
    uint64_t blocks_avail;
    uint64_t bytes_total; /* the volume's size */
    uint64_t bytes_used;
    const char *fstype; /* static: "ext4" */
};

/* Once at start: recovers loop mounts left by a previous run. */
int vol_init(const char *state_dir, enum vol_mode mode, char **cause);
/* Once at shutdown: unmounts loop volumes (their images stay). */
void vol_shutdown(void);

/*
 * Makes volume ID of SIZE_BYTES, empty, or as a copy of snapshot
 * FROM_SNAPSHOT or of volume FROM_VOLUME (either may be NULL).  *path is set
 * to the host directory standing for /data (owned by the caller), owned by
 * the user Postgres runs as, mode 0700.
 */
int vol_create(const char *id, uint64_t size_bytes, const char *from_snapshot,
               const char *from_volume, char **path, char **cause);

/* The host directory of volume ID (owned by the caller); NULL if none. */
char *vol_path(const char *id);

int vol_usage(const char *id, uint64_t size_bytes, struct vol_usage *u,
              char **cause);

/*
 * Grows volume ID to NEW_SIZE_BYTES (shrinking is the caller's 400).
 * *needs_restart: 1 when the machine must restart to see the new size.
 */
int vol_extend(const char *id, uint64_t old_size, uint64_t new_size,
               int *needs_restart, char **cause);

/* Removes volume ID and its bytes.  The machine using it must be stopped. */
int vol_destroy(const char *id, char **cause);

/*
 * Takes snapshot SNAP_ID of volume ID: a consistent copy of the data
 * directory (pg_basebackup from the running node when it runs, else a copy).
 * *size is the snapshot's size in bytes.
 */
int vol_snapshot(const char *id, const char *snap_id, const char *node_ip,
                 uint64_t *size, char **cause);
int vol_snapshot_destroy(const char *snap_id, char **cause);

/* Fault: fill volume ID until its usage is PCT percent of SIZE_BYTES
 * (0 removes the filler). */
int vol_fill(const char *id, uint64_t size_bytes, int pct, char **cause);

#endif
