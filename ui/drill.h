/*
 * drill (ui): the console's drills menu (`D`; issue 9, src/drill.h).
 *
 * `D` on the fleet view (the selected cluster), the cluster view (the
 * cluster on screen; its selected node is the drill's --node) or the node
 * view opens a dialog over the body: the five drills and "reset", the
 * selected one's title, what to look for and how to recover.  Enter runs
 * the selected item asynchronously (drill_run_start on the console's loop,
 * its own client for the /admin paths): the dialog closes so the view is
 * in sight, a flash says the drill started, and its outcome is
 * flashed (with what to look for, or why it failed).  `x` runs the reset
 * from anywhere in the menu.  Outside the local context, or read-only,
 * the menu opens with every item disabled and why, and Enter or x only
 * flashes why.  One drill runs at a time.
 *
 * State in A->drills (created on the first `D`, freed by drillui_free,
 * which cancels a run in flight); names, not model pointers, are kept.
 *
 * Collaborators: app (loop, context, flash), input (keys), draw (overlay,
 * hints), src/drill.h (table, builders, the run), fleet (the model).
 */
#ifndef PGDECK_UI_DRILL_H
#define PGDECK_UI_DRILL_H

struct app;
struct layout_areas;

/* Opens the menu on the selected cluster (flashes why when there is
 * none). */
void drillui_open(struct app *a);
/* Whether the menu is open (it then takes the keys). */
int drillui_active(const struct app *a);
/* A key while drillui_active(). */
void drillui_key(struct app *a, int ch);
/* Draws the menu over the body (drill_draw.c). */
void drillui_draw(struct app *a, const struct layout_areas *ar);
/* The key hints of the menu; static. */
const char *drillui_hints(const struct app *a);
/* Frees A->drills; a run in flight is cancelled. */
void drillui_free(struct app *a);

/* ---- between drill.c and drill_draw.c ---- */

/* The menu's state. */
struct drillui {
    int open;
    char *cluster;
    char *node;    /* the selected node (cluster or node view), or NULL */
    int sel;       /* 0..DRILL__COUNT-1 a drill, DRILL__COUNT the reset */
    char *refusal; /* why nothing may run here, or NULL */
    struct http *http;
    struct drill_run *run;
    char *running; /* "kill-primary on acme-db" while a run is in flight */
};

/* The texts of item SEL for the menu's cluster: what to look for and how
 * to recover (with this cluster's commands when the model allows a build)
 * and why it cannot run (NULL when it can).  Owned by the caller. */
void drillui_texts(struct app *a, int sel, char **look, char **recover,
                   char **why);

#endif
