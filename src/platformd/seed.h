/*
 * seed: the demo fleet (--seed demo), made only when the store is empty.
 *
 * Org "personal" with:
 *   acme-db   a 3-node HA cluster in iad plus a read replica in ams
 *             (PRIMARY_REGION=iad);
 *   dev-db    a single-node development cluster in ord;
 *   syd-db    a 3-node cluster in syd whose third node has WAL replay
 *             paused (visible lag) while a small writer thread INSERTs a
 *             row every second on the primary;
 *   web-app   a non-Postgres app (nginx image, placeholder processes).
 * Machines are made with ops_machine_create(), like the API does.  Apps are
 * seeded in parallel, one thread each; replicas start after their primary.
 *
 * Collaborators: ops.h, state.h, volume.h, runtime.h, libpq (the writer).
 */
#ifndef PGDECK_SRC_PLATFORMD_SEED_H
#define PGDECK_SRC_PLATFORMD_SEED_H

/* The newest postgres-flex image this platform knows: the demo fleet runs
 * it and GraphQL latestImageTag answers it. */
#define PD_LATEST_FLEX_IMAGE "registry-1.docker.io/flyio/postgres-flex:15.8"

/* Starts seeding in the background (returns at once).  0, or -1. */
int seed_demo_start(char **cause);
/* Stops the writer and waits for the seeding threads (at shutdown, after
 * the store was marked shutting_down). */
void seed_stop(void);

#endif
