/*
 * persist: the store on disk.
 *
 * <state>/state.json holds every app (with its generated passwords),
 * machine (config, state, events, lease, private_ip, repmgr node id) and
 * volume (with its snapshots).  It is written atomically on every change
 * (write a temporary file, fsync, rename, fsync the directory), mode 0600.
 * <state>/pgpass, a libpq passfile with one line per machine of every
 * Postgres app ("ip:5433:*:postgres:<operator password>"), is rewritten the
 * same way whenever its content changes.
 *
 * Collaborators: state.c (calls persist_save from st_changed), main.c
 * (persist_load at start).
 */
#ifndef PGDECK_SRC_PLATFORMD_PERSIST_H
#define PGDECK_SRC_PLATFORMD_PERSIST_H

#include <stddef.h>

/* Saves the store (lock held).  Returns 0, or -1 with *cause. */
int persist_save(char **cause);

/*
 * Loads <state>/state.json into the (empty) store.  A missing file is an
 * empty store (returns 0).  Returns -1 with *cause when the file exists but
 * cannot be read or parsed.
 */
int persist_load(char **cause);

/*
 * Writes DATA (LEN bytes) to PATH atomically with MODE.  Returns 0, or -1
 * with *cause.
 */
int persist_write_file(const char *path, const char *data, size_t len, int mode,
                       char **cause);

#endif
