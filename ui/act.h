/*
 * act: the console's side of operator actions (DESIGN.md "Actions are
 * plans"; anchors §11.5).
 *
 *   menu      `a` (or F9) on the fleet view (the selected cluster), the
 *             cluster view (and its selected node) or the node view:
 *             every action of action_menu() with its pre-flight verdict,
 *             the disabled ones dimmed with why.  In a read-only context
 *             every item is disabled and choosing one only flashes why:
 *             no dialog ever opens.
 *   argument  memory (MB), volume size (GB), region, new cluster name:
 *             asked on the input line (APP_INPUT_ARG); failover: the
 *             target is chosen in the live candidates table.
 *   preview   the plan (plan_render, scrolled), its warnings and, for a
 *             failover, the candidates table, all rebuilt from the model
 *             whenever it changes until the confirm key; a rebuild that is
 *             refused disables the confirmation and says why.
 *             PLAN_RISK_LOW: y/N, Cancel focused (Enter cancels, y runs);
 *             PLAN_RISK_HIGH: the cluster name typed (Esc cancels).  The
 *             plan run is built once more from the latest model at the
 *             confirm key.  A refusal is a dialog with the reason.
 *   progress  plan_run_start() on the console's loop and API client; each
 *             step with its state, elapsed time and note, the outcome said
 *             as it is (done / failed / refused / unknown / aborted).  Esc
 *             hides the panel (the title shows "plan running: ..."), `a`
 *             shows it again, `c` cancels after a y/N.
 *   snapshots `b`: the cluster's volume snapshots (act_snap.c); `c` takes
 *             one (ACTION_SNAPSHOT), Enter restores the selected one into
 *             a new cluster (ACTION_RESTORE, its name asked), both through
 *             the preview and progress above.  In a preview of a plan that
 *             can lose data, C-n turns its snapshot-first step off and on.
 *   resume    at connect, the unfinished journals of the context
 *             (plan_journal_list): one dialog each, [r]esume, [a]bort,
 *             [l]ater; journals that do not load are listed in a dialog.
 *   signals   quitting (q, :q after a y/N while a plan runs) or a signal
 *             (SIGHUP, SIGTERM, SIGINT, SIGQUIT) or a hangup detaches the
 *             run (plan_run_detach): its journal stays for resume.
 *
 * One plan runs at a time.  The state lives in A->act (created by
 * act_init, freed by act_free); nothing here holds a model pointer across
 * loop turns (names only, fleet.h's rule).  Key handlers and the run's
 * callback only set dirty bits; act_draw() paints from app_draw's hook.
 *
 * Collaborators: app (state, loop, http, flash), input (keys, the input
 * line), draw (overlays, title badge, hints), actions (menu, builders),
 * plan (render, run, journal), fleet (the model).
 */
#ifndef PGDECK_UI_ACT_H
#define PGDECK_UI_ACT_H

struct app;
struct layout_areas;

/* Creates / frees A->act.  act_free() detaches a run still in flight. */
void act_init(struct app *a);
void act_free(struct app *a);

/* After (re)connecting to A->ctx: reads the unfinished plan journals of
 * the context (the resume dialog opens once the API client exists). */
void act_scan(struct app *a);

/* The actions key: the menu, or the progress panel of the plan in
 * flight (or of one that ended while hidden). */
void act_open(struct app *a);
/* The HA wizard (`H`): ACTION_HA on the selected cluster, straight to its
 * pre-flight checklist and plan (act_ha.c adds both), then the run and,
 * when it is done, the verification on the live model. */
void act_open_ha(struct app *a);
/* The snapshots view (`b`): the volume snapshots of the selected cluster's
 * nodes, newest first, each node's newest flagged when older than a day;
 * `c` takes one now, Enter restores the selected one as a new cluster
 * (both through the plan preview and progress). */
void act_open_snapshots(struct app *a);

/* Whether a dialog or panel covers the body (it then takes the keys). */
int act_active(const struct app *a);
/* A key while act_active(). */
void act_key(struct app *a, int ch);

/* The input line of APP_INPUT_ARG ended: TEXT typed and Enter, or
 * CANCELLED (Esc). */
void act_arg_done(struct app *a, const char *text, int cancelled);
/* The prompt of APP_INPUT_ARG ("memory MB: "); static or owned by act. */
const char *act_prompt(const struct app *a);

/* Before each frame: rebuilds the preview when the model changed, opens
 * the resume dialog when its turn came. */
void act_tick(struct app *a);

/* Draws the dialog or panel over the body (after the view drew it). */
void act_draw(struct app *a, const struct layout_areas *ar);
/* The key hints of the dialog on screen; static. */
const char *act_hints(const struct app *a);
/* The title badge: "plan running: SUMMARY", "plan done: SUMMARY (a shows
 * it)", or NULL.  Owned by the caller. */
char *act_badge(const struct app *a);

/* Whether a plan is in flight. */
int act_running(const struct app *a);
/* Whether the context may change now (no plan in flight; flashes why). */
int act_may_switch(struct app *a);
/* The user asked to quit: returns 1 to quit now, or 0 when a y/N about
 * the plan in flight opened (its y detaches the run and quits). */
int act_quit(struct app *a);
/* A signal or a hangup ends the console: the run in flight is detached
 * (its journal stays for resume). */
void act_detach(struct app *a);

#endif
