/*
 * actions_fixture.h: clusters built in C for the unit tests of the plan
 * builders (test_actions, test_actions_ha): nodes with their checks,
 * configs and volumes, the usual shapes (three nodes in iad with the
 * primary second, two, one), action arguments, and a build that must
 * succeed.
 */
#ifndef PGDECK_TESTS_ACTIONS_FIXTURE_H
#define PGDECK_TESTS_ACTIONS_FIXTURE_H

#include "src/actions.h"
#include "src/fleet.h"
#include "src/plan.h"

#define PID "20261122T044500Z-4f2a9c"
#define P "148e0a1b2c3d4e" /* the primary */
#define R1 "2874ab00000001"
#define R2 "2874ab00000002"
#define MB (1024LL * 1024)

/* A machine config as flyctl writes it for a postgres-flex node. */
char *config_of(const char *vol, const char *pr, const char *kind, int cpus,
                int mem);
/* N as a healthy started node ID in REGION with ROLE. */
void tnode(struct fleet_node *n, const char *id, const char *region,
           enum fleet_role role);
/* A cluster "acme-db" of the N IDS (in REGIONS, or iad), node PRIMARY the
 * primary.  Free with cluster_free(). */
struct fleet_cluster *cluster(size_t n, const char *const *ids,
                              const char *const *regions, long primary);
/* Three nodes in iad, the primary listed second; two nodes; one node. */
struct fleet_cluster *c3(void);
struct fleet_cluster *c2(void);
struct fleet_cluster *c1(void);
void cluster_free(struct fleet_cluster *c);
/* The node ID of C (aborts the test when there is none). */
struct fleet_node *nd(struct fleet_cluster *c, const char *id);
/* Arguments of action K on acme-db with a 16 MB lag limit. */
struct action_args args(enum action_kind k);
/* Builds, expecting success. */
struct plan *ok(const struct fleet_cluster *c, const struct action_args *a,
                struct action_preflight *pf);

/* The index of the first step at or after FROM with METHOD and PATH
 * (exact), or -1. */
long find(const struct plan *p, size_t from, const char *method,
          const char *path);
/* Whether a warning of P contains PART. */
int has_warning(const struct plan *p, const char *part);

#endif
