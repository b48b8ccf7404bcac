/*
 * act_cli: the mutating subcommands of DESIGN.md "Interfaces":
 *   pgdeck scale memory CLUSTER MB [--node ID]
 *   pgdeck volume extend CLUSTER GB [--node ID]
 *   pgdeck replica add CLUSTER [--region R]
 *   pgdeck replica remove CLUSTER NODE
 *   pgdeck restart CLUSTER [NODE]
 *   pgdeck failover CLUSTER [--to NODE] [--allow-secondary-region] [--force]
 *   pgdeck create CLUSTER --region R [--preset development|ha]
 *                 [--volume-size GB] [--memory MB]
 *   pgdeck destroy CLUSTER
 *   pgdeck resume [PLAN]   pgdeck abort [PLAN]
 * each with [--yes] [--dry-run].
 *
 * One command: refuse at once in a read-only context; refresh the model of
 * CLUSTER once (fleet.h, machines and SQL probes); build the plan
 * (actions.h) and print the pre-flight (the failover candidates table);
 * with --dry-run print the plan (plan_render) and stop; ask for
 * confirmation on a tty (y/N, or the cluster name typed for a high-risk
 * plan) unless --yes, refuse without a tty; then run it, one line per step
 * with its elapsed time, and report the outcome.  SIGINT, SIGTERM and
 * SIGHUP detach the run: the journal stays for `pgdeck resume|abort`.
 *
 * Exit codes: 0 done (or dry run printed), 1 failed or outcome unknown,
 * 2 usage or refused without a tty (or not confirmed), 3 refused by a
 * pre-flight check or a lease held by someone else, 4 platform unreachable.
 *
 * Collaborators: cli (the parsed command), settings, context, loop, http,
 * machines, fleet, actions, plan, main (dispatch).
 */
#ifndef PGDECK_SRC_ACT_CLI_H
#define PGDECK_SRC_ACT_CLI_H

#include <stdio.h>

struct cli;
struct context;
struct settings;

/* Runs the mutating command CLI->cmd.  IN is read for the confirmation
 * when it is a tty.  Returns the exit code. */
int act_cli_run(const struct cli *cli, const struct settings *s,
                const struct context *ctx, FILE *in, FILE *out, FILE *err);

#endif
