/*
 * harden: what a process holding secrets does first.
 *
 * pgdeck holds the API token and Postgres passwords in memory,
 * pgdeck-platformd its token and the apps' secrets.  harden_process()
 * makes sure a crash leaves no core file with them: the core size limit
 * is 0, and the process is not dumpable (which also covers a core_pattern
 * that pipes to a handler, where the limit does not apply, and keeps
 * other processes of the same user from ptrace and /proc/PID/mem).
 * Programs they execute start dumpable again (execve resets it).
 *
 * Collaborators: src/main.c, src/platformd/main.c.
 */
#ifndef PGDECK_SRC_HARDEN_H
#define PGDECK_SRC_HARDEN_H

/* Best effort: a failure leaves the process as it was. */
void harden_process(void);

#endif
