/*
 * sqlpane_impl: the state shared by sqlpane.c (keys, session, psql) and
 * sqlpane_draw.c (painting).  Private to those two files.
 */
#ifndef PGDECK_UI_SQLPANE_IMPL_H
#define PGDECK_UI_SQLPANE_IMPL_H

#include <stdint.h>

#include "src/buf.h"

#include "ui/sqledit.h"
#include "ui/sqlgrid.h"

struct app;
struct sql;
struct sql_history;
struct sql_result;

enum sqlpane_focus { SQLPANE_INPUT, SQLPANE_RESULTS };

struct sqlpane {
    struct app *a;
    int open;
    enum sqlpane_focus focus;
    int full;   /* full screen */
    int height; /* rows of the pane, title included; 0: the default */
    int raw;    /* the terminal is in raw mode (C-c is a key) */

    /* The session and its target (names: the model is looked up). */
    struct sql *sql;
    char *cluster, *node, *host;
    int connected_once;
    int cancelling;
    char *password; /* typed at the prompt; wiped on free */

    struct sqledit ed;
    int ed_top;   /* first input line shown */
    long err_off; /* byte in the input marked as the error position, -1 */

    struct sqlgrid grid;
    long grid_set; /* index of the set the grid measures, -1 none */
    int grid_rows; /* rows of the grid on the last frame (page size) */

    struct sql_history *hist;
    char *ran;      /* the text of the last statement sent (wiped) */
    int ran_secret; /* it holds a password literal */
    char *note;     /* one line about the last statement */
    int note_err;

    int pw_mode;   /* the input line asks for the password */
    struct buf pw; /* what is typed there (wiped) */

    uint64_t tick;    /* timer repainting the running time */
    int cur_y, cur_x; /* where the cursor goes, -1 hidden */
};

/* sqlpane_draw.c: the index of the set the grid shows (the last with rows,
 * else the last), or -1. */
long sqlpane_set_index(const struct sql_result *r);

#endif
