/*
 * layout: the columns of the list views and the screen's split into
 * areas (pure: tested at several widths without a terminal).
 *
 * Screen areas, top to bottom: the title line (context, data age, PAUSED,
 * refresh interval), the view's body, the status line (flash messages,
 * the filter or command being typed), the key hints line.  UI_MIN_COLS x
 * UI_MIN_ROWS is the smallest terminal the views are made for; below it
 * the app shows the "terminal too small" screen.
 *
 * Collaborators: the views (draw rows with table.h into these columns),
 * app (areas, the too-small check).
 */
#ifndef PGDECK_UI_LAYOUT_H
#define PGDECK_UI_LAYOUT_H

#include <stddef.h>

#include "ui/table.h"

#define UI_MIN_COLS 80
#define UI_MIN_ROWS 24

/* The fleet view: one row per cluster. */
enum layout_fleet_col {
    LF_MARK,
    LF_NAME,
    LF_REGION,
    LF_MEMBERS,
    LF_ROLES,
    LF_LAG,
    LF_USED,
    LF_GAUGE,
    LF_ETA,
    LF_VERSION,
    LF_VERDICT,
    LF__COUNT
};
extern const struct table_col layout_fleet_cols[LF__COUNT];

/* The cluster view: one row per node. */
enum layout_node_col {
    LN_MARK,
    LN_ID,
    LN_REGION,
    LN_ROLE,
    LN_STATE,
    LN_CHECKS,
    LN_LAG,
    LN_SENT,
    LN_WRITE,
    LN_FLUSH,
    LN_TL,
    LN_SIZE,
    LN_USED,
    LN_ETA,
    LN_MEM,
    LN__COUNT
};
extern const struct table_col layout_node_cols[LN__COUNT];

/* The areas of a COLS x ROWS screen. */
struct layout_areas {
    int too_small; /* below UI_MIN_COLS x UI_MIN_ROWS */
    int title_y;   /* 0 */
    int body_y;    /* 1 */
    int body_h;    /* rows - 3 */
    int status_y;  /* rows - 2 */
    int hints_y;   /* rows - 1 */
    int cols, rows;
};

void layout_areas(int cols, int rows, struct layout_areas *a);

#endif
