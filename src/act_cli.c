#include "config.h"

#include <curl/curl.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/act_cli.h"
#include "src/actions.h"
#include "src/appsecrets.h"
#include "src/buf.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/plan.h"
#include "src/settings.h"
#include "src/snap.h"
#include "src/xmalloc.h"

/*
 * act_cli: the mutating subcommands (act_cli.h).  Three phases on one
 * loop: refresh the cluster's model once, build and confirm the plan, run
 * it while printing each step.
 */

/* How long the first refresh may take before the command gives up. */
#define ACT_REFRESH_DEADLINE_MS 30000

struct act {
    const struct cli *cli;
    const struct settings *s;
    const struct context *ctx;
    FILE *in, *out, *err;
    struct loop *loop;
    struct http *http;
    struct http *graphql; /* Fly's GraphQL API (create, restore) */
    struct machines *api;
    struct fleet *fleet;
    struct plan_run *run;
    enum plan_step_state *shown; /* per step, what was printed last */
    size_t n_shown;
    int aborting_shown;
    int detached;
};

static void act_signal(struct loop *l, int signo, void *arg);
static int act_refresh(struct act *a, char **cause);
static int act_read_only(const struct act *a);
static void act_args(const struct act *a, struct action_args *args);
static void act_print_preflight(const struct act *a,
                                const struct action_preflight *pf);
static int act_confirm(const struct act *a, const struct plan *p,
                       const char *what);
static void act_progress(struct plan_run *r, size_t step, void *arg);
static int act_wait_run(struct act *a);
static int act_exit_code(enum plan_outcome o);
static int act_mutate(struct act *a);
static const char *act_mark(const struct act *a, enum action_check_state st);
static void act_print_checks(const struct act *a, const char *title,
                             const struct action_check *v, size_t n);
static int act_ha_unfinished(const struct act *a);
static int act_ha_after(struct act *a, char **before, size_t n_before,
                        int members_before);
static int act_journal(struct act *a, enum plan_resume_mode mode);
static void act_teardown(struct act *a);
static void act_secrets_note(struct act *a, const char *app);

/* ---- phase 1: one refresh of the model ---- */

static void act_signal(struct loop *l, int signo, void *arg)
{
    struct act *a = arg;

    if (a->run && plan_run_outcome(a->run) == PLAN_OUTCOME_NONE) {
        /* The plan stays resumable: journal and leases are left alone. */
        fprintf(a->err,
                "pgdeck: %s: detached from plan %s; it can be continued "
                "with 'pgdeck resume %s' or undone with 'pgdeck abort %s'\n",
                strsignal(signo), plan_run_plan(a->run)->id,
                plan_run_plan(a->run)->id, plan_run_plan(a->run)->id);
        plan_run_detach(a->run);
        a->detached = 1;
    }
    loop_stop(l);
}

/* Refreshes the model of cli->cluster (all clusters for create, whose
 * name must not be taken).  Returns 0, or an exit code with *cause set. */
static int act_refresh(struct act *a, char **cause)
{
    return fleet_refresh_once(a->loop, a->api, a->ctx, a->s,
                              a->cli->cmd == CLI_CMD_CREATE ||
                                      a->cli->cmd == CLI_CMD_SNAPSHOT_RESTORE
                                  ? NULL
                                  : a->cli->cluster,
                              ACT_REFRESH_DEADLINE_MS, &a->fleet, cause);
}

/* ---- phase 2: the plan ---- */

static int act_read_only(const struct act *a)
{
    return a->cli->read_only || a->ctx->read_only ||
           settings_num(a->s, SETTINGS_READ_ONLY) == 1;
}

static void act_args(const struct act *a, struct action_args *args)
{
    static const enum action_kind kinds[CLI_CMD__COUNT] = {
        [CLI_CMD_SCALE_MEMORY] = ACTION_SCALE_MEMORY,
        [CLI_CMD_VOLUME_EXTEND] = ACTION_VOLUME_EXTEND,
        [CLI_CMD_REPLICA_ADD] = ACTION_REPLICA_ADD,
        [CLI_CMD_REPLICA_REMOVE] = ACTION_REPLICA_REMOVE,
        [CLI_CMD_RESTART] = ACTION_RESTART,
        [CLI_CMD_FAILOVER] = ACTION_FAILOVER,
        [CLI_CMD_CREATE] = ACTION_CREATE,
        [CLI_CMD_DESTROY] = ACTION_DESTROY,
        [CLI_CMD_HA] = ACTION_HA,
        [CLI_CMD_SNAPSHOT_CREATE] = ACTION_SNAPSHOT,
        [CLI_CMD_SNAPSHOT_RESTORE] = ACTION_RESTORE,
    };
    const struct cli *c = a->cli;

    memset(args, 0, sizeof *args);
    args->kind = kinds[c->cmd];
    args->cluster = c->cluster;
    args->node = c->node;
    args->region = c->region;
    args->to = c->to;
    args->memory_mb = c->memory_mb;
    args->size_gb = c->size_gb;
    args->allow_secondary_region = c->allow_secondary_region;
    args->force = c->force;
    args->preset = c->preset && strcmp(c->preset, "ha") == 0
                       ? ACTION_PRESET_HA
                       : ACTION_PRESET_DEVELOPMENT;
    args->max_lag_bytes = settings_num(a->s, SETTINGS_FAILOVER_MAX_LAG);
    args->org = a->ctx->org;
    if (c->cluster)
        args->secrets_version = appsecrets_minvers(a->ctx->name, c->cluster);
    args->no_snapshot = c->no_snapshot;
    args->snapshot = c->snapshot;
    args->as = c->as;
}

/* restore: the snapshot is looked up on the volumes of cluster C, so that
 * the plan uses the config, region and size of the node it was taken of.
 * Returns 0 with *VOLUME set (owned), or an exit code after a message. */
static int act_find_snapshot(struct act *a, const struct fleet_cluster *c,
                             char **volume)
{
    struct snap_result r;
    const struct snap_row *row;
    char *cause = NULL;
    size_t i;
    int rc = CLI_EXIT_REFUSED;

    *volume = NULL;
    if (snap_list_once(a->loop, a->api, c, NULL, ACT_REFRESH_DEADLINE_MS, &r,
                       &cause) != 0) {
        fprintf(a->err,
                "pgdeck: snapshot restore: listing the snapshots of "
                "%s: %s\n",
                c->name, cause);
        free(cause);
        return CLI_EXIT_FAILED;
    }
    row = snap_find(&r, a->cli->snapshot);
    if (row) {
        *volume = x_strdup(row->volume);
        rc = 0;
    } else {
        for (i = 0; i < r.n_vols; i++)
            if (r.vols[i].error) {
                fprintf(a->err,
                        "pgdeck: snapshot restore: the snapshots of volume "
                        "%s (%s) could not be listed: %s\n",
                        r.vols[i].volume, r.vols[i].node, r.vols[i].error);
                rc = r.vols[i].unreachable ? CLI_EXIT_UNREACHABLE
                                           : CLI_EXIT_FAILED;
            }
        if (rc == CLI_EXIT_REFUSED)
            fprintf(a->err,
                    "pgdeck: snapshot restore: refused: no snapshot %s on "
                    "the volumes of %s (see pgdeck snapshot list %s)\n",
                    a->cli->snapshot, c->name, c->name);
    }
    snap_result_clear(&r);
    return rc;
}

static void act_print_preflight(const struct act *a,
                                const struct action_preflight *pf)
{
    size_t i;

    if (pf->n_checks > 0)
        act_print_checks(a, "pre-flight", pf->checks, pf->n_checks);
    if (pf->n_candidates == 0)
        return;
    fprintf(a->out, "%-16s %-6s %-7s %-12s %s\n", "CANDIDATE", "REGION",
            "CHECKS", "LAG", "ELIGIBLE");
    for (i = 0; i < pf->n_candidates; i++) {
        const struct action_candidate *c = &pf->candidates[i];
        char checks[16], lag[32];

        (void)snprintf(checks, sizeof checks, "%d/%d", c->checks_passing,
                       c->n_checks);
        if (c->lag_bytes < 0)
            (void)snprintf(lag, sizeof lag, "unknown");
        else if (c->lag_ms >= 0)
            (void)snprintf(lag, sizeof lag, "%lld B %.1fs",
                           (long long)c->lag_bytes, (double)c->lag_ms / 1000);
        else
            (void)snprintf(lag, sizeof lag, "%lld B", (long long)c->lag_bytes);
        fprintf(a->out, "%-16s %-6s %-7s %-12s %s%s%s\n", c->id, c->region,
                checks, lag, c->eligible ? "yes" : "no",
                c->reason && *c->reason ? ": " : "",
                c->reason ? c->reason : "");
    }
    if (pf->quorum_before > 0)
        fprintf(a->out, "members in the primary region: %d now, %d after\n",
                pf->quorum_before, pf->quorum_after);
}

/* Asks on the terminal.  Returns 0 to go on, or the exit code: 2 without a
 * terminal (or not confirmed).  Reading the answer blocks: nothing else
 * runs yet (the plan starts after it), as when reading the config. */
static int act_confirm(const struct act *a, const struct plan *p,
                       const char *what)
{
    char line[256];
    size_t len;

    if (a->cli->yes)
        return 0;
    if (!isatty(fileno(a->in))) {
        fprintf(a->err,
                "pgdeck: %s: refused: no terminal to confirm on (pass --yes "
                "to run without asking)\n",
                what);
        return CLI_EXIT_USAGE;
    }
    if (p->risk == PLAN_RISK_LOW)
        fprintf(a->out, "Run this plan? [y/N] ");
    else
        fprintf(a->out,
                "Type the cluster name (%s) to run this plan: ", p->cluster);
    fflush(a->out);
    if (!fgets(line, sizeof line, a->in)) {
        fprintf(a->err, "\npgdeck: %s: not confirmed (end of input)\n", what);
        return CLI_EXIT_USAGE;
    }
    len = strcspn(line, "\r\n");
    line[len] = '\0';
    if (p->risk == PLAN_RISK_LOW
            ? (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 ||
               strcmp(line, "yes") == 0)
            : strcmp(line, p->cluster) == 0)
        return 0;
    fprintf(a->err, "pgdeck: %s: not confirmed; nothing was changed\n", what);
    return CLI_EXIT_USAGE;
}

/* ---- phase 3: running ---- */

static void act_progress(struct plan_run *r, size_t step, void *arg)
{
    struct act *a = arg;
    const struct plan_journal *j = plan_run_journal(r);
    const struct plan *p = plan_run_plan(r);
    enum plan_outcome o = plan_run_outcome(r);
    size_t i;

    if (j->aborting && !a->aborting_shown) {
        fprintf(a->out,
                "aborting: the steps that bring %s back to a safe "
                "state\n",
                p->cluster);
        a->aborting_shown = 1;
    }
    for (i = 0; !j->aborting && i < p->n_steps && i < a->n_shown; i++) {
        enum plan_step_state st = j->st[i];
        char *title;
        const char *note;
        int why;

        if (st == a->shown[i])
            continue;
        a->shown[i] = st;
        if (st == PLAN_STEP_PENDING)
            continue;
        title = plan_expand(p, p->steps[i].title, 0, NULL);
        note = plan_run_note(r, i);
        /* Why a step failed, or was skipped (resumed: already done). */
        why = st == PLAN_STEP_FAILED || st == PLAN_STEP_SKIPPED;
        if (st == PLAN_STEP_RUNNING)
            fprintf(a->out, "[%2zu/%zu] %s ...\n", i + 1, p->n_steps, title);
        else
            fprintf(a->out, "[%2zu/%zu] %s: %s (%.1f s)%s%s\n", i + 1,
                    p->n_steps, title, plan_step_state_name(st),
                    (double)plan_run_step_elapsed_ms(r, i) / 1000,
                    why && note ? ": " : "", why && note ? note : "");
        free(title);
    }
    (void)step;
    fflush(a->out);
    if (o != PLAN_OUTCOME_NONE)
        loop_stop(a->loop);
}

/* Runs the loop until the plan ends or a signal detaches it.  Returns the
 * exit code. */
static int act_wait_run(struct act *a)
{
    const struct plan *p = plan_run_plan(a->run);
    enum plan_outcome o;
    char *why = NULL;

    a->n_shown = p->n_steps;
    a->shown = x_calloc(a->n_shown ? a->n_shown : 1, sizeof *a->shown);
    act_progress(a->run, 0, a);
    if (plan_run_outcome(a->run) == PLAN_OUTCOME_NONE &&
        loop_run(a->loop, &why) != 0) {
        fprintf(a->err, "pgdeck: the event loop failed: %s\n", why);
        free(why);
        plan_run_detach(a->run);
        return CLI_EXIT_FAILED;
    }
    if (a->detached)
        return CLI_EXIT_FAILED;
    o = plan_run_outcome(a->run);
    if (o == PLAN_OUTCOME_DONE) {
        fprintf(a->out, "%s: done in %.1f s\n", p->summary,
                (double)plan_run_elapsed_ms(a->run) / 1000);
        return CLI_EXIT_OK;
    }
    if (o == PLAN_OUTCOME_ABORTED && plan_run_abort_clean(a->run)) {
        fprintf(a->out, "%s: aborted; %s is back in a safe state\n", p->summary,
                p->cluster);
        return CLI_EXIT_OK;
    }
    fprintf(a->err, "pgdeck: %s: %s%s%s (plan %s)\n", p->summary,
            plan_outcome_name(o), plan_run_error(a->run) ? ": " : "",
            plan_run_error(a->run) ? plan_run_error(a->run) : "", p->id);
    if (o == PLAN_OUTCOME_UNKNOWN)
        fprintf(a->err,
                "pgdeck: the outcome is unknown: a request got no answer; "
                "check with 'pgdeck status %s'\n",
                p->cluster);
    return act_exit_code(o);
}

static int act_exit_code(enum plan_outcome o)
{
    switch (o) {
    case PLAN_OUTCOME_DONE:
        return CLI_EXIT_OK;
    case PLAN_OUTCOME_REFUSED:
        return CLI_EXIT_REFUSED;
    case PLAN_OUTCOME_NONE:
    case PLAN_OUTCOME_FAILED:
    case PLAN_OUTCOME_UNKNOWN:
    case PLAN_OUTCOME_ABORTED:
    default:
        return CLI_EXIT_FAILED;
    }
}

/* scale, volume, replica, restart, failover, create, destroy. */
static int act_mutate(struct act *a)
{
    const char *what = cli_cmd_name(a->cli->cmd);
    const struct fleet_cluster *c;
    struct action_args args;
    struct action_preflight pf;
    struct plan_run_opts ro;
    struct plan *p = NULL;
    struct buf b = BUF_INIT;
    char *cause = NULL, **before = NULL, *snap_vol = NULL;
    size_t i, n_before = 0;
    int rc, members_before = 0;

    if (a->cli->cmd == CLI_CMD_HA && !a->cli->dry_run) {
        rc = act_ha_unfinished(a);
        if (rc != 0)
            return rc;
    }
    rc = act_refresh(a, &cause);
    if (rc != 0) {
        fprintf(a->err, "pgdeck: %s: %s\n", what, cause);
        free(cause);
        return rc;
    }
    c = fleet_model_cluster(fleet_model(a->fleet), a->cli->cluster);
    if (a->cli->cmd == CLI_CMD_CREATE && c) {
        fprintf(a->err,
                "pgdeck: create: refused: a cluster named %s already "
                "exists\n",
                a->cli->cluster);
        return CLI_EXIT_REFUSED;
    }
    if (a->cli->cmd == CLI_CMD_SNAPSHOT_RESTORE &&
        (fleet_model_cluster(fleet_model(a->fleet), a->cli->as) ||
         fleet_model_unknown(fleet_model(a->fleet), a->cli->as))) {
        fprintf(a->err,
                "pgdeck: snapshot restore: refused: an app named %s already "
                "exists; restore into a new name\n",
                a->cli->as);
        return CLI_EXIT_REFUSED;
    }
    if (!c && fleet_model_unknown(fleet_model(a->fleet), a->cli->cluster)) {
        fprintf(a->err,
                "pgdeck: %s: %s: its machines could not be listed, so "
                "whether it is a Postgres cluster is not known: %s\n",
                what, a->cli->cluster,
                fleet_model_unknown(fleet_model(a->fleet), a->cli->cluster));
        return CLI_EXIT_UNREACHABLE;
    }
    if (a->cli->cmd != CLI_CMD_CREATE && !c) {
        fprintf(a->err,
                "pgdeck: %s: refused: no Postgres cluster named %s in "
                "context %s\n",
                what, a->cli->cluster, a->ctx->name);
        return CLI_EXIT_REFUSED;
    }
    act_args(a, &args);
    if (a->cli->cmd == CLI_CMD_SNAPSHOT_RESTORE) {
        rc = act_find_snapshot(a, c, &snap_vol);
        if (rc != 0)
            return rc;
        args.snapshot_volume = snap_vol;
    }
    memset(&pf, 0, sizeof pf);
    rc = action_build(c, &args, NULL, &p, &pf);
    free(snap_vol);
    if (rc != 0) {
        act_print_preflight(a, &pf);
        fprintf(a->err, "pgdeck: %s: refused: %s\n", what,
                pf.reason ? pf.reason : "a pre-flight check failed");
        action_preflight_clear(&pf);
        return CLI_EXIT_REFUSED;
    }
    act_print_preflight(a, &pf);
    members_before = pf.quorum_before;
    action_preflight_clear(&pf);
    if (a->cli->cmd == CLI_CMD_HA) {
        /* What the summary compares with once the plan is done. */
        before = x_calloc(c->n_nodes + 1, sizeof *before);
        for (i = 0; i < c->n_nodes; i++)
            before[n_before++] = x_strdup(c->nodes[i].id);
    }
    plan_render(p, &b);
    if (a->cli->dry_run || !a->cli->yes) {
        fputs(buf_str(&b), a->out);
    } else {
        /* --yes: the plan is not shown, its warnings still are. */
        for (i = 0; i < p->n_warnings; i++)
            fprintf(a->out, "warning: %s\n", p->warnings[i]);
    }
    buf_free(&b);
    if (a->cli->dry_run) {
        fprintf(a->out, "(dry run: nothing was changed)\n");
        plan_free(p);
        rc = CLI_EXIT_OK;
        goto out;
    }
    rc = act_confirm(a, p, what);
    if (rc != 0) {
        plan_free(p);
        goto out;
    }
    /* The model's work is done: its refreshes would only compete with the
     * plan's requests. */
    fleet_free(a->fleet);
    a->fleet = NULL;
    fprintf(a->out, "plan %s: %s\n", p->id, p->summary);
    memset(&ro, 0, sizeof ro);
    ro.context = a->ctx->name;
    ro.graphql = a->graphql;
    a->run = plan_run_start(a->loop, a->http, p, &ro, act_progress, a);
    rc = act_wait_run(a);
    if (rc == CLI_EXIT_OK && a->cli->cmd == CLI_CMD_SNAPSHOT_CREATE)
        fprintf(a->out, "snapshot %s taken\n",
                plan_var(plan_run_plan(a->run), "snapshot")
                    ? plan_var(plan_run_plan(a->run), "snapshot")
                    : "(its id was not in the answer: see pgdeck snapshot "
                      "list)");
    else if (rc == CLI_EXIT_OK && a->cli->cmd == CLI_CMD_SNAPSHOT_RESTORE &&
             plan_run_outcome(a->run) == PLAN_OUTCOME_DONE)
        fprintf(a->out,
                "%s is a new cluster with the data of %s (pgdeck status "
                "%s); %s was not touched\n",
                a->cli->as, a->cli->snapshot, a->cli->as, a->cli->cluster);
    if ((a->cli->cmd == CLI_CMD_CREATE ||
         a->cli->cmd == CLI_CMD_SNAPSHOT_RESTORE) &&
        plan_var(plan_run_plan(a->run), "secrets_version"))
        act_secrets_note(a, plan_run_plan(a->run)->cluster);
    if (rc == CLI_EXIT_OK && a->cli->cmd == CLI_CMD_HA &&
        plan_run_outcome(a->run) == PLAN_OUTCOME_DONE)
        rc = act_ha_after(a, before, n_before, members_before);
    else if (a->cli->cmd == CLI_CMD_HA && !a->detached &&
             (plan_run_outcome(a->run) == PLAN_OUTCOME_FAILED ||
              plan_run_outcome(a->run) == PLAN_OUTCOME_UNKNOWN))
        fprintf(a->err,
                "pgdeck: ha: roll back what the plan added with 'pgdeck "
                "abort %s', or retry the failed step with 'pgdeck resume "
                "%s'\n",
                plan_run_plan(a->run)->id, plan_run_plan(a->run)->id);
out:
    for (i = 0; i < n_before; i++)
        free(before[i]);
    free(before);
    return rc;
}

/* ---- ha: checklists, the unfinished plan, verification ---- */

/* Whether the output may carry UTF-8 marks: not --ascii / ascii = true,
 * and a UTF-8 locale in the environment. */
static int act_utf8(const struct act *a)
{
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    size_t i;

    if (settings_num(a->s, SETTINGS_ASCII) == 1)
        return 0;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);

        if (v && *v)
            return strstr(v, "UTF-8") || strstr(v, "utf-8") ||
                   strstr(v, "UTF8") || strstr(v, "utf8");
    }
    return 0;
}

static const char *act_mark(const struct act *a, enum action_check_state st)
{
    int u = act_utf8(a);

    switch (st) {
    case ACTION_CHECK_PASS:
        return u ? "\u2713" : "ok";
    case ACTION_CHECK_FIX:
        return u ? "~" : "~~";
    case ACTION_CHECK_FAIL:
    default:
        return u ? "\u2717" : "XX";
    }
}

/* TITLE, then one line per check: mark, what, detail. */
static void act_print_checks(const struct act *a, const char *title,
                             const struct action_check *v, size_t n)
{
    size_t i;

    fprintf(a->out, "%s:\n", title);
    for (i = 0; i < n; i++)
        fprintf(a->out, "  %s %s: %s\n", act_mark(a, v[i].state), v[i].what,
                v[i].detail);
}

/* A plan on cli->cluster (any action) that can still be resumed or
 * aborted (unfinished, failed, outcome unknown, or running now) refuses a
 * new HA run, so that a rerun never adds replicas twice.  Returns 0 or
 * CLI_EXIT_REFUSED. */
static int act_ha_unfinished(const struct act *a)
{
    char *dir = plan_journal_dir();
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    while (d && rc == 0 && (e = readdir(d))) {
        struct plan_journal j;
        size_t len = strlen(e->d_name);
        char *path;

        if (e->d_name[0] == '.' || len <= 5 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        path = x_asprintf("%s/%s", dir, e->d_name);
        if (plan_journal_load(path, &j, NULL) == 0) {
            int live = plan_journal_live(&j);

            if (j.plan->cluster &&
                strcmp(j.plan->cluster, a->cli->cluster) == 0 &&
                (live || j.outcome == PLAN_OUTCOME_NONE ||
                 j.outcome == PLAN_OUTCOME_FAILED ||
                 j.outcome == PLAN_OUTCOME_UNKNOWN)) {
                fprintf(a->err,
                        "pgdeck: ha: refused: plan %s (%s) on %s %s; %s "
                        "'pgdeck resume %s' or undo it with 'pgdeck abort "
                        "%s'\n",
                        j.plan->id, j.plan->action, j.plan->cluster,
                        live                             ? "is running now"
                        : j.outcome == PLAN_OUTCOME_NONE ? "did not finish"
                                                         : "failed",
                        j.outcome == PLAN_OUTCOME_NONE || live
                            ? "continue it with"
                            : "retry it with",
                        j.plan->id, j.plan->id);
                rc = CLI_EXIT_REFUSED;
            }
            plan_journal_clear(&j);
        }
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return rc;
}

/* After a done HA plan: the model again, the verification lines and the
 * summary.  Returns 0, or 1 when a verification line fails. */
static int act_ha_after(struct act *a, char **before, size_t n_before,
                        int members_before)
{
    const struct fleet_cluster *c;
    struct action_args args;
    struct action_check *v = NULL;
    size_t n = 0, i, j, added = 0;
    char *cause = NULL;
    int rc, ok;

    rc = act_refresh(a, &cause);
    if (rc != 0) {
        fprintf(a->err,
                "pgdeck: ha: the plan is done, but the check after "
                "it failed: %s\n",
                cause);
        free(cause);
        return CLI_EXIT_FAILED;
    }
    c = fleet_model_cluster(fleet_model(a->fleet), a->cli->cluster);
    if (!c) {
        fprintf(a->err, "pgdeck: ha: cluster %s is no longer listed\n",
                a->cli->cluster);
        return CLI_EXIT_FAILED;
    }
    act_args(a, &args);
    ok = action_ha_verify(c, &args, &v, &n);
    act_print_checks(a, "verification", v, n);
    action_checks_free(v, n);
    fprintf(a->out, "summary: members in %s: %d before, %d after\n",
            c->primary_region, members_before, c->region_members);
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];

        for (j = 0; j < n_before; j++)
            if (strcmp(before[j], nd->id) == 0)
                break;
        if (j < n_before)
            continue;
        added++;
        fprintf(a->out,
                "  added: machine %s (%s, %d MB) with volume %s (%d GB)\n",
                nd->id, nd->region, nd->memory_mb,
                nd->volume.id && *nd->volume.id ? nd->volume.id : "?",
                nd->volume.size_gb);
    }
    fprintf(a->out, "  %zu machine%s and %zu volume%s added\n", added,
            added == 1 ? "" : "s", added, added == 1 ? "" : "s");
    if (!ok) {
        fprintf(a->err, "pgdeck: ha: the cluster is not HA yet (see the "
                        "verification above)\n");
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

/* No unfinished plan: says so, and lists the plans that stopped without
 * success, which can still be resumed or aborted by id. */
static void act_list_stopped(struct act *a, const char *what, const char *dir)
{
    size_t n = 0, i;
    char **files = plan_journal_list_stopped(dir, &n);

    fprintf(a->err, "pgdeck: %s: no interrupted plan in %s\n", what, dir);
    if (n > 0)
        fprintf(a->err,
                "plans that stopped without success (pgdeck %s PLAN):\n", what);
    for (i = 0; i < n; i++) {
        struct plan_journal j;

        if (plan_journal_load(files[i], &j, NULL) == 0) {
            fprintf(a->err, "  %s  %s %s: %s\n", j.plan->id, j.plan->action,
                    j.plan->cluster ? j.plan->cluster : "",
                    j.error ? j.error : plan_outcome_name(j.outcome));
            plan_journal_clear(&j);
        }
        free(files[i]);
    }
    free(files);
}

/* resume / abort: the journal of cli->plan (unfinished, or one that failed
 * or was cancelled: abort still brings its cluster back to a safe state),
 * or else the only unfinished one. */
static int act_journal(struct act *a, enum plan_resume_mode mode)
{
    const char *what = cli_cmd_name(a->cli->cmd);
    char *dir = plan_journal_dir();
    char **files;
    struct plan_journal j;
    struct plan_run_opts ro;
    struct buf b = BUF_INIT;
    char *cause = NULL, *file = NULL;
    size_t n = 0, i;
    int rc = CLI_EXIT_OK;

    files = plan_journal_list(dir, &n);
    if (a->cli->plan) {
        file = x_asprintf("%s/%s.json", dir, a->cli->plan);
        if (access(file, F_OK) != 0) {
            free(file);
            file = NULL;
        }
    } else if (n > 0) {
        file = x_strdup(files[0]);
    }
    if (!file || (!a->cli->plan && n > 1)) {
        if (n == 0 && !a->cli->plan)
            act_list_stopped(a, what, dir);
        else if (n == 0)
            fprintf(a->err, "pgdeck: %s: no interrupted plan in %s\n", what,
                    dir);
        else if (!file)
            fprintf(a->err, "pgdeck: %s: no plan %s in %s\n", what,
                    a->cli->plan, dir);
        else
            fprintf(a->err, "pgdeck: %s: %zu interrupted plans; name one:\n",
                    what, n);
        for (i = 0; !a->cli->plan && n > 1 && i < n; i++)
            fprintf(a->err, "  %s\n", files[i]);
        rc = n > 1 && !a->cli->plan ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
        goto out;
    }
    if (plan_journal_load(file, &j, &cause) != 0) {
        fprintf(a->err, "pgdeck: %s: %s\n", what, cause);
        free(cause);
        rc = CLI_EXIT_FAILED;
        goto out;
    }
    if (plan_journal_live(&j)) {
        fprintf(a->err,
                "pgdeck: %s: refused: plan %s is running now in pgdeck "
                "process %lld on this host\n",
                what, j.plan->id, (long long)j.owner_pid);
        plan_journal_clear(&j);
        rc = CLI_EXIT_REFUSED;
        goto out;
    }
    if (j.context && strcmp(j.context, a->ctx->name) != 0) {
        fprintf(a->err,
                "pgdeck: %s: refused: plan %s ran in context %s, not %s "
                "(pass --context %s)\n",
                what, j.plan->id, j.context, a->ctx->name, j.context);
        plan_journal_clear(&j);
        rc = CLI_EXIT_REFUSED;
        goto out;
    }
    plan_render(j.plan, &b);
    fprintf(a->out, "%s%s at step %zu of %zu\n", buf_str(&b),
            j.aborting ? "interrupted while aborting" : "interrupted",
            j.current + 1,
            j.aborting ? j.plan->n_abort_steps : j.plan->n_steps);
    buf_free(&b);
    rc = act_confirm(a, j.plan, mode == PLAN_RESUME ? "resume" : "abort");
    if (rc != 0) {
        plan_journal_clear(&j);
        goto out;
    }
    memset(&ro, 0, sizeof ro);
    ro.context = a->ctx->name;
    ro.journal_dir = dir;
    ro.graphql = a->graphql;
    a->run = plan_run_resume(a->loop, a->http, &j, mode, &ro, act_progress, a);
    plan_journal_clear(&j);
    rc = act_wait_run(a);
out:
    for (i = 0; i < n; i++)
        free(files[i]);
    free(files);
    free(file);
    free(dir);
    return rc;
}

/* Once the secrets of a new cluster are set: where the operator finds
 * them (never the values), as `fly pg create` shows its password once. */
static void act_secrets_note(struct act *a, const char *app)
{
    char *path = appsecrets_path(app);

    fprintf(a->out,
            "the secrets of %s (OPERATOR_PASSWORD is the password of the "
            "user postgres; SU_PASSWORD, REPL_PASSWORD, FLY_CONSUL_URL) are "
            "in %s, readable by you only: keep them somewhere safe, the "
            "platform never shows them again\n",
            app, path);
    free(path);
}

static void act_teardown(struct act *a)
{
    plan_run_free(a->run);
    free(a->shown);
    fleet_free(a->fleet);
    machines_free(a->api);
    http_free(a->graphql);
    http_free(a->http);
    loop_free(a->loop);
}

int act_cli_run(const struct cli *cli, const struct settings *s,
                const struct context *ctx, FILE *in, FILE *out, FILE *err)
{
    struct act a;
    char *cause = NULL;
    int rc;

    memset(&a, 0, sizeof a);
    a.cli = cli;
    a.s = s;
    a.ctx = ctx;
    a.in = in;
    a.out = out;
    a.err = err;
    if (act_read_only(&a)) {
        /* Before anything else: no refresh, no plan, no question. */
        fprintf(err,
                "pgdeck: %s: refused: context %s is read-only (--read-only "
                "or read_only = true); nothing was changed\n",
                cli_cmd_name(cli->cmd), ctx->name);
        return CLI_EXIT_REFUSED;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(err, "pgdeck: cannot initialize libcurl\n");
        return CLI_EXIT_FAILED;
    }
    a.loop = loop_new();
    if (http_new_context(a.loop, ctx, s, &a.http, &cause) != 0) {
        fprintf(err, "pgdeck: %s: context %s: %s\n", cli_cmd_name(cli->cmd),
                ctx->name, cause);
        free(cause);
        loop_free(a.loop);
        curl_global_cleanup();
        return CLI_EXIT_UNREACHABLE;
    }
    a.api = machines_new(a.http);
    if (http_new_graphql(a.loop, ctx, NULL, s, &a.graphql, &cause) != 0) {
        /* Only create and restore call it: their steps say so. */
        log_msg("%s: no GraphQL client: %s", cli_cmd_name(cli->cmd), cause);
        free(cause);
        cause = NULL;
    }
    loop_on_signal(a.loop, SIGINT, act_signal, &a, NULL);
    loop_on_signal(a.loop, SIGTERM, act_signal, &a, NULL);
    loop_on_signal(a.loop, SIGHUP, act_signal, &a, NULL);
    if (cli->cmd == CLI_CMD_RESUME)
        rc = act_journal(&a, PLAN_RESUME);
    else if (cli->cmd == CLI_CMD_ABORT)
        rc = act_journal(&a, PLAN_ABORT);
    else
        rc = act_mutate(&a);
    act_teardown(&a);
    curl_global_cleanup();
    log_msg("%s: exit %d", cli_cmd_name(cli->cmd), rc);
    return rc;
}
