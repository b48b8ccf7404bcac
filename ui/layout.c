#include "config.h"

#include <string.h>

#include "ui/layout.h"

/* Drop order: the gauge and the version go first, then the time to full,
 * the role map and the used percentage; marker, name, members, lag and
 * verdict always stay. */
const struct table_col layout_fleet_cols[LF__COUNT] = {
    [LF_MARK] = {"", 1, 1, TEXT_LEFT, 0, 0},
    [LF_NAME] = {"CLUSTER", 8, 24, TEXT_LEFT, 0, TABLE_FLEX},
    [LF_REGION] = {"REGION", 6, 6, TEXT_LEFT, 0, 0},
    [LF_MEMBERS] = {"MEMBERS", 7, 7, TEXT_LEFT, 0, 0},
    [LF_ROLES] = {"ROLES", 5, 8, TEXT_LEFT, 4, 0},
    [LF_LAG] = {"WORST LAG", 12, 14, TEXT_LEFT, 0, 0},
    [LF_USED] = {"DISK", 4, 4, TEXT_RIGHT, 3, 0},
    [LF_GAUGE] = {"", 6, 12, TEXT_LEFT, 6, 0},
    [LF_ETA] = {"FULL IN", 7, 7, TEXT_LEFT, 5, 0},
    [LF_VERSION] = {"VERSION", 7, 10, TEXT_LEFT, 7, 0},
    [LF_VERDICT] = {"VERDICT", 11, 11, TEXT_LEFT, 0, 0},
};

/* Drop order: the per-stage lags (sent, write, flush) first, then memory,
 * volume size and checks; the marker, id, region, role, state, replay
 * lag, timeline and disk use always stay. */
const struct table_col layout_node_cols[LN__COUNT] = {
    [LN_MARK] = {"", 1, 1, TEXT_LEFT, 0, 0},
    [LN_ID] = {"NODE", 14, 20, TEXT_LEFT, 0, TABLE_FLEX},
    [LN_REGION] = {"REGION", 6, 6, TEXT_LEFT, 0, 0},
    [LN_ROLE] = {"ROLE", 7, 7, TEXT_LEFT, 0, 0},
    [LN_STATE] = {"STATE", 7, 9, TEXT_LEFT, 0, 0},
    [LN_CHECKS] = {"CHECKS", 6, 6, TEXT_LEFT, 5, 0},
    [LN_LAG] = {"REPLAY LAG", 12, 14, TEXT_LEFT, 0, 0},
    [LN_SENT] = {"SENT", 6, 6, TEXT_RIGHT, 9, 0},
    [LN_WRITE] = {"WRITE", 6, 6, TEXT_RIGHT, 9, 0},
    [LN_FLUSH] = {"FLUSH", 6, 6, TEXT_RIGHT, 9, 0},
    [LN_TL] = {"TL", 3, 3, TEXT_RIGHT, 0, 0},
    [LN_SIZE] = {"VOL", 4, 5, TEXT_RIGHT, 7, 0},
    [LN_USED] = {"USED", 4, 4, TEXT_RIGHT, 0, 0},
    [LN_ETA] = {"FULL IN", 7, 7, TEXT_LEFT, 6, 0},
    [LN_MEM] = {"MEM", 5, 5, TEXT_RIGHT, 8, 0},
};

void layout_areas(int cols, int rows, struct layout_areas *a)
{
    memset(a, 0, sizeof *a);
    a->cols = cols;
    a->rows = rows;
    a->too_small = cols < UI_MIN_COLS || rows < UI_MIN_ROWS;
    a->title_y = 0;
    a->body_y = 1;
    a->body_h = rows > 3 ? rows - 3 : 0;
    a->status_y = rows - 2;
    a->hints_y = rows - 1;
}
