/*
 * derive_impl: what derive.c and derive_issues.c share (not for other
 * modules).
 */
#ifndef PGDECK_SRC_DERIVE_IMPL_H
#define PGDECK_SRC_DERIVE_IMPL_H

#include <stdint.h>

#include "src/derive.h"

/* Replaces C's issues with those detected now (worst first).  Needs the
 * counts of derive_counts() (primary, quorum, role_disagree) done. */
void derive_issues(struct fleet_cluster *c, const struct derive_limits *lim,
                   int64_t now_ms);

/* 1 when N is stopped (or suspended) and its config has FLY_SCALE_TO_ZERO:
 * idle, it starts on the next connection (audit L2). */
int derive_idle(const struct fleet_node *n);

/* 1 when STATE is one the platform passes through on its own (replacing,
 * updating, starting, ...): no reason to restart. */
int derive_transient(const char *state);

#endif
