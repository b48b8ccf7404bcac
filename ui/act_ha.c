#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/actions.h"
#include "src/buf.h"
#include "src/fleet.h"
#include "src/plan.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/act_impl.h"
#include "ui/app.h"

/*
 * act_ha: the HA wizard's own parts (act.h, "HA wizard").  The wizard is
 * the actions flow of act.c with ACTION_HA chosen directly by `H`; what it
 * adds is the pre-flight checklist above the plan (step 1), and after the
 * run the verification on the live model with what changed (step 4).
 */

/* The marker of a checklist line: text, so it reads without colors. */
static const char *act_ha_mark(enum action_check_state st)
{
    switch (st) {
    case ACTION_CHECK_PASS:
        return "[ ok ]";
    case ACTION_CHECK_FIX:
        return "[fix ]";
    case ACTION_CHECK_FAIL:
        break;
    }
    return "[FAIL]";
}

void act_ha_checklist(const struct action_check *v, size_t n, struct buf *b)
{
    size_t i;

    for (i = 0; i < n; i++)
        buf_printf(b, "  %s %s%s%s\n", act_ha_mark(v[i].state),
                   v[i].what ? v[i].what : "",
                   v[i].detail && *v[i].detail ? ": " : "",
                   v[i].detail ? v[i].detail : "");
}

void act_ha_preview_text(const struct action_preflight *pf,
                         const struct plan *p, struct buf *b)
{
    buf_puts(b, "HA wizard: 1 pre-flight, 2 the plan, 3 run, 4 verify\n\n"
                "1. pre-flight\n");
    act_ha_checklist(pf->checks, pf->n_checks, b);
    buf_printf(b,
               "\n2. the plan (%zu steps; an abort removes what it "
               "added)\n",
               p ? p->n_steps : 0);
    if (p)
        plan_render(p, b);
}

/* Members, memory and volume sizes of C, for the before/after summary. */
static void act_ha_tally(const struct fleet_cluster *c, struct act_ha_tally *t)
{
    size_t i;

    memset(t, 0, sizeof *t);
    t->min_mem = -1;
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *n = &c->nodes[i];

        t->members++;
        if (n->in_primary_region)
            t->in_region++;
        if (n->volume.id && *n->volume.id) {
            t->volumes++;
            t->volume_gb += n->volume.size_gb;
        }
        if (n->memory_mb > 0 && (t->min_mem < 0 || n->memory_mb < t->min_mem))
            t->min_mem = n->memory_mb;
    }
}

void act_ha_remember(struct app *a, const char *cluster)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c = m ? fleet_model_cluster(m, cluster) : NULL;

    if (c)
        act_ha_tally(c, &a->act->ha_before);
    else
        memset(&a->act->ha_before, 0, sizeof a->act->ha_before);
}

int act_ha_verify_text(struct app *a, const char *cluster, struct buf *b)
{
    const struct act *t = a->act;
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c = m ? fleet_model_cluster(m, cluster) : NULL;
    struct action_args args;
    struct action_check *v = NULL;
    struct act_ha_tally now;
    size_t n = 0;
    int ok;

    if (!c) {
        buf_printf(b, "4. verify: cluster %s is not in the model (yet)\n",
                   cluster);
        return 0;
    }
    memset(&args, 0, sizeof args);
    args.kind = ACTION_HA;
    args.cluster = cluster;
    args.max_lag_bytes = settings_num(a->s, SETTINGS_FAILOVER_MAX_LAG);
    ok = action_ha_verify(c, &args, &v, &n);
    buf_printf(b, "4. verify (live, as the cluster is now): %s\n",
               ok ? "highly available" : "not yet");
    act_ha_checklist(v, n, b);
    action_checks_free(v, n);
    act_ha_tally(c, &now);
    buf_puts(b, "\nwhat changed:\n");
    buf_printf(b, "  members %d -> %d (%d in PRIMARY_REGION)\n",
               t->ha_before.members, now.members, now.in_region);
    buf_printf(b, "  volumes %d (%d GB) -> %d (%d GB)\n", t->ha_before.volumes,
               t->ha_before.volume_gb, now.volumes, now.volume_gb);
    if (t->ha_before.min_mem > 0 && now.min_mem > 0)
        buf_printf(b, "  smallest memory %d MB -> %d MB\n",
                   t->ha_before.min_mem, now.min_mem);
    if (now.members > t->ha_before.members)
        buf_printf(b,
                   "  cost: %d more machine%s and %d GB more volume space "
                   "are billed from now on\n",
                   now.members - t->ha_before.members,
                   now.members - t->ha_before.members == 1 ? "" : "s",
                   now.volume_gb - t->ha_before.volume_gb);
    return ok;
}
