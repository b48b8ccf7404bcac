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

#endif
