/*
 * act_impl: the state of ui/act.c shared with ui/act_draw.c (private to
 * those two files).
 *
 * Ownership: every string and the plan, preflight, run and journals
 * below are owned by struct act.  The cluster and node are names, looked
 * up in the model again at every use.
 *
 * Collaborators: act.c (keys, building, running), act_draw.c (drawing).
 */
#ifndef PGDECK_UI_ACT_IMPL_H
#define PGDECK_UI_ACT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "src/actions.h"
#include "src/buf.h"
#include "src/plan.h"
#include "src/snap.h"

enum act_mode {
    ACT_MODE_NONE,
    ACT_MODE_MENU,       /* the actions and their verdicts */
    ACT_MODE_CANDIDATES, /* failover: choose the target */
    ACT_MODE_PREVIEW,    /* the plan and the confirmation */
    ACT_MODE_MESSAGE,    /* a refusal, journal load errors: any key */
    ACT_MODE_PROGRESS,   /* the run */
    ACT_MODE_RESUME,     /* an interrupted plan: resume, abort, later */
    ACT_MODE_ASK,        /* y/N over another mode (cancel run, quit) */
    ACT_MODE_SNAPSHOTS   /* the cluster's volume snapshots (act_snap.c) */
};

enum act_ask { ACT_ASK_CANCEL_RUN, ACT_ASK_QUIT };

/* The argument being asked on the input line. */
enum act_arg {
    ACT_ARG_NONE,
    ACT_ARG_MEMORY,
    ACT_ARG_SIZE,
    ACT_ARG_REGION,
    ACT_ARG_NAME,   /* create: the new cluster's name */
    ACT_ARG_PRESET, /* create: development or ha */
    ACT_ARG_AS      /* restore: the new cluster's name */
};

/* What the HA wizard's summary compares (act_ha.c). */
struct act_ha_tally {
    int members, in_region, volumes, volume_gb;
    int min_mem; /* the smallest memory_mb, -1 unknown */
};

struct act {
    enum act_mode mode;
    enum act_mode ask_back; /* the mode under ACT_MODE_ASK */
    enum act_ask ask;
    int ask_yes_focus; /* ASK: 0 Cancel focused (the default) */

    /* What the menu is for: the cluster and the selected node (or NULL). */
    char *cluster;
    char *node;
    char *node_role; /* "primary", "replica", ... for the menu's labels */
    int from_node_view;
    struct action_item items[ACTION__COUNT];
    int menu_sel;

    /* The action chosen and its arguments (strings owned here). */
    struct action_args args;
    char *a_cluster, *a_node, *a_region, *a_to;
    char *a_snapshot, *a_volume, *a_as; /* restore */
    enum act_arg arg;                   /* being asked, or NONE */
    char *prompt;

    /* Preview and candidates: rebuilt when the model changes. */
    struct plan *plan;
    struct action_preflight pf;
    char *plan_id;
    struct buf text;    /* plan_render of plan */
    uint64_t built_gen; /* the model generation built from */
    char *now_refused;  /* the last rebuild was refused: why */
    int scroll;         /* preview: first plan line shown */
    int run_focus;      /* LOW: 1 when Run is focused (Cancel default) */
    struct buf typed;   /* HIGH: the name typed so far */
    int typed_wrong;    /* the last Enter did not match */
    int cand_sel;       /* candidates: the row selected */

    /* Message dialog. */
    char *msg_title;
    struct buf msg;
    int msg_crit;

    /* The run (one at a time). */
    struct plan_run *run;
    int run_hidden;  /* Esc hid the panel */
    int run_unseen;  /* ended while hidden: `a` shows it */
    int prog_scroll; /* -1: follow the current step */
    int detached;    /* plan_run_detach() was called: the console ends */

    /* Interrupted plans of the context, the one asked first. */
    struct plan_journal *journals;
    size_t n_journals, next_journal;
    char *load_errors; /* lines, or NULL */

    /* The HA wizard: the cluster as it was when the run was confirmed. */
    struct act_ha_tally ha_before;

    /* The snapshots view (act_snap.c): the last list of t->cluster. */
    struct snap_list *snap_req; /* in flight, or NULL */
    struct snap_result snaps;
    int snaps_loaded;
    char *snap_error; /* why there is no list, or NULL */
    int snap_sel, snap_scroll;
};

/* ---- act_draw.c ---- */
void act_draw_menu(struct app *a, const struct layout_areas *ar);
void act_draw_candidates(struct app *a, const struct layout_areas *ar);
void act_draw_preview(struct app *a, const struct layout_areas *ar);
void act_draw_message(struct app *a, const struct layout_areas *ar);
void act_draw_progress(struct app *a, const struct layout_areas *ar);
void act_draw_resume(struct app *a, const struct layout_areas *ar);
void act_draw_ask(struct app *a, const struct layout_areas *ar);
void act_draw_snapshots(struct app *a, const struct layout_areas *ar);

/* ---- act_snap.c: the snapshots view ---- */
/* (Re)lists the snapshots of t->cluster's volumes, at once. */
void act_snap_reload(struct app *a);
void act_snap_key(struct app *a, int ch);
/* Cancels the list in flight and forgets the last one. */
void act_snap_clear(struct act *t);
/* act.c: from the view, the snapshot plan (ROW NULL: of the selected node,
 * else the primary) or the restore of ROW (asks the new name). */
void act_snap_choose(struct app *a, enum action_kind k,
                     const struct snap_row *row);
/* act.c: closes whatever dialog is open. */
void act_close_dialog(struct app *a);

/* ---- act_ha.c: the HA wizard's parts ---- */
/* Appends the checklist lines V (N of them): "  [ ok ] what: detail". */
void act_ha_checklist(const struct action_check *v, size_t n, struct buf *b);
/* The wizard's preview text: steps 1 (the checklist of PF) and 2 (the
 * plan P rendered). */
void act_ha_preview_text(const struct action_preflight *pf,
                         const struct plan *p, struct buf *b);
/* Keeps the tally of CLUSTER at the confirm key (for the summary). */
void act_ha_remember(struct app *a, const char *cluster);
/* Step 4: the verification of CLUSTER on the live model and what changed
 * since act_ha_remember(), appended to B.  Returns 1 when HA. */
int act_ha_verify_text(struct app *a, const char *cluster, struct buf *b);

/* ---- act.c, for act_draw.c ---- */
/* The menu label of item K for the menu's cluster/node ("restart
 * 148e... (replica)"); owned. */
char *act_item_label(const struct act *t, enum action_kind k);
/* The outcome of R as a line for people; owned. */
char *act_outcome_line(const struct plan_run *r);

#endif
