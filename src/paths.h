/*
 * paths: where pgdeck's files live (XDG base directories).
 *
 * Every function reads the environment at the time of the call
 * (XDG_CONFIG_HOME, XDG_STATE_HOME, HOME, PGDECK_PLATFORM_DIR) so that tests
 * can change it with setenv().  Relative XDG values are ignored, as the XDG
 * base directory specification asks.  Nothing here touches the file system
 * but paths_home()'s passwd lookup and paths_mkdirs(), which every writer
 * under these directories calls first: on a fresh account ~/.local (or
 * ~/.config) does not exist yet.
 *
 * Collaborators: settings (the config file path), context (the platform state
 * dir, "~/" in token and pass file paths), info (resolved paths), audit.
 */
#ifndef PGDECK_SRC_PATHS_H
#define PGDECK_SRC_PATHS_H

/* The home directory: $HOME when absolute, else the passwd entry, else "/".
 * Borrowed from the environment or a static buffer: copy it. */
const char *paths_home(void);

/* $XDG_CONFIG_HOME/pgdeck/config (default ~/.config/pgdeck/config).
 * Owned by the caller. */
char *paths_config_file(void);

/* $XDG_STATE_HOME/pgdeck (default ~/.local/state/pgdeck): the audit log,
 * SQL history and caches.  Owned by the caller. */
char *paths_state_dir(void);

/* paths_state_dir() + "/audit.log".  Owned by the caller. */
char *paths_audit_log(void);

/* The local platform's state dir, where pgdeck-platformd keeps its url,
 * token and pgpass files: $PGDECK_PLATFORM_DIR when set and non-empty, else
 * /var/lib/pgdeck-platform when the effective user is root, else
 * $XDG_STATE_HOME/pgdeck/platform.  Owned by the caller. */
char *paths_platform_dir(void);

/* The flyctl config file: $FLY_CONFIG_DIR/config.yml when FLY_CONFIG_DIR is
 * set and non-empty, else ~/.fly/config.yml.  Owned by the caller. */
char *paths_flyctl_config(void);

/* Expands a leading "~/" (or a lone "~") to the home directory; any other
 * path is copied.  Owned by the caller. */
char *paths_expand(const char *path);

/* Creates DIR and every missing parent (mode 0700; existing ones are left
 * as they are).  0, or -1 with *CAUSE ("cannot create D: why", naming the
 * first component that failed) when CAUSE is not NULL. */
int paths_mkdirs(const char *dir, char **cause);

/* Writes LEN bytes of DATA to PATH readable by the owner only (0600; the
 * missing parents made 0700), through a temporary file renamed over PATH
 * after an fsync, so PATH is whole or as it was.  0, or -1 with *CAUSE
 * ("cannot write PATH: why") when CAUSE is not NULL. */
int paths_write_private(const char *path, const char *data, size_t len,
                        char **cause);

#endif
