/*
 * daemon: the process side of pgdeck-platformd -- the state directory (and
 * whether the postgres user can traverse it when root), the pid file that
 * keeps a second daemon off the same state dir, the token, the log, the
 * loopback-only listening socket, daemonizing with a readiness pipe (the
 * parent exits 0 only once the API answers), the url file, and cleanup.
 *
 * Collaborators: main.c; ids.h (token), persist.h (atomic files), log.h.
 */
#ifndef PGDECK_SRC_PLATFORMD_DAEMON_H
#define PGDECK_SRC_PLATFORMD_DAEMON_H

#include <sys/socket.h>

struct daemon_ctx {
    char *state_dir;
    char *pid_path;
    int pid_fd;
    int listen_fd;
    int ready_fd; /* write end of the readiness pipe, or -1 */
    char *token;
    char *url;
};

/*
 * Parses ADDR:PORT ("127.0.0.1:4280", "[::1]:0", "localhost:80") into SA
 * (*len set).  Refuses anything outside 127.0.0.0/8 and ::1.  Returns 0, or
 * -1 with *cause.
 */
int daemon_parse_listen(const char *spec, struct sockaddr_storage *sa,
                        socklen_t *len, char **cause);

/*
 * Makes the state dir, takes the pid file lock, loads or makes the token,
 * opens the log and binds the listening socket.  Returns 0, or -1 with
 * *cause (e.g. another daemon runs: its pid is named).
 */
int daemon_prepare(const char *state_dir, const char *listen,
                   struct daemon_ctx *d, char **cause);

/* Forks into the background; the parent waits for daemon_ready() and
 * exits.  Only the child returns (0), or -1 with *cause before forking. */
int daemon_detach(struct daemon_ctx *d, char **cause);

/* Writes <state>/url with the bound address.  0, or -1 with *cause. */
int daemon_write_url(struct daemon_ctx *d, char **cause);

/* Tells a waiting parent we serve; detaches stdio. */
void daemon_ready(struct daemon_ctx *d);
/* Tells a waiting parent (or stderr) that start failed with CAUSE. */
void daemon_fail(struct daemon_ctx *d, const char *cause);
/* Removes the pid file, frees D. */
void daemon_cleanup(struct daemon_ctx *d);

#endif
