#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/drill.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/drill.h"
#include "ui/palette.h"

/*
 * drill_draw: the drills menu over the bottom of the body (ui/drill.h).
 */

/* Rows of the view kept in sight above the menu. */
#define DRILLUI_KEEP_ROWS 5
#define DRILLUI_NAME_W 14

static void drillui_attr(attr_t at)
{
    wattr_set(stdscr, at & ~(attr_t)A_COLOR, (short)PAIR_NUMBER(at), NULL);
}

/* Clears rows Y..Y+H-1 and draws a border with TITLE and FOOT. */
static void drillui_box(struct app *a, int y, int h, int w, const char *title,
                        const char *foot)
{
    int acs = a->utf8 || !settings_num(a->s, SETTINGS_ASCII);
    int r;
    char *t;

    drillui_attr(palette_attr(THEME_ROLE_NORMAL));
    for (r = y; r < y + h; r++)
        mvwhline(stdscr, r, 0, ' ', w);
    drillui_attr(palette_attr(THEME_ROLE_BORDER));
    mvwhline(stdscr, y, 1, acs ? ACS_HLINE : '-', w - 2);
    mvwhline(stdscr, y + h - 1, 1, acs ? ACS_HLINE : '-', w - 2);
    mvwvline(stdscr, y + 1, 0, acs ? ACS_VLINE : '|', h - 2);
    mvwvline(stdscr, y + 1, w - 1, acs ? ACS_VLINE : '|', h - 2);
    mvwaddch(stdscr, y, 0, acs ? ACS_ULCORNER : '+');
    mvwaddch(stdscr, y, w - 1, acs ? ACS_URCORNER : '+');
    mvwaddch(stdscr, y + h - 1, 0, acs ? ACS_LLCORNER : '+');
    mvwaddch(stdscr, y + h - 1, w - 1, acs ? ACS_LRCORNER : '+');
    drillui_attr(A_NORMAL);
    t = x_asprintf(" %s ", title);
    draw_text(a, y, 2, w - 4, THEME_ROLE_HEADER, t);
    free(t);
    t = x_asprintf(" %s ", foot);
    draw_text(a, y + h - 1, 2, w - 4, THEME_ROLE_MUTED, t);
    free(t);
}

/* Draws "LABEL TEXT" wrapped at spaces into rows from *ROW (before END),
 * X..X+W-1, continuation lines under TEXT. */
static void drillui_para(struct app *a, int *row, int end, int x, int w,
                         const char *label, const char *text,
                         enum theme_role role)
{
    size_t lw = strlen(label), room;
    int first = 1;

    if (w <= (int)lw + 10)
        return;
    room = (size_t)w - lw;
    while (*text && *row < end) {
        size_t len = strlen(text), cut = len;
        char *line;

        if (len > room) {
            cut = room;
            while (cut > room / 2 && text[cut] != ' ')
                cut--;
            if (text[cut] != ' ')
                cut = room;
        }
        if (first)
            draw_text(a, *row, x, (int)lw, THEME_ROLE_MUTED, label);
        line = x_strndup(text, cut);
        draw_text(a, *row, x + (int)lw, (int)room, role, line);
        free(line);
        (*row)++;
        text += cut;
        while (*text == ' ')
            text++;
        first = 0;
    }
}

void drillui_draw(struct app *a, const struct layout_areas *ar)
{
    struct drillui *t = a->drills;
    int want = DRILL__COUNT + 1 + 12, max = ar->body_h - DRILLUI_KEEP_ROWS;
    int y, h, row, k, w = ar->cols;
    char *look, *recover, *why, *title;

    if (!t || !t->open)
        return;
    if (max < 10)
        max = ar->body_h;
    h = want < max ? want : max;
    if (h < 4 || w < 20)
        return;
    y = ar->body_y + ar->body_h - h;
    title = t->node ? x_asprintf("drills: %s (node %s)", t->cluster, t->node)
                    : x_asprintf("drills: %s", t->cluster);
    drillui_box(a, y, h, w, title, "Enter run  x reset  Esc close");
    free(title);
    row = y + 1;
    if (t->refusal)
        draw_text(a, row++, 2, w - 4, THEME_ROLE_WARN, t->refusal);
    else
        draw_text(a, row++, 2, w - 4, THEME_ROLE_MUTED,
                  "rehearse an incident on the local platform; the view "
                  "above shows what happens");
    drillui_texts(a, t->sel, &look, &recover, &why);
    for (k = 0; k <= DRILL__COUNT && row < y + h - 1; k++, row++) {
        int sel = k == t->sel;
        const char *name =
            k == DRILL__COUNT ? "reset" : drill_get((enum drill_id)k)->name;
        const char *ttl = k == DRILL__COUNT
                              ? "heal what the drills broke on this cluster"
                              : drill_get((enum drill_id)k)->title;
        char *line = x_asprintf("%s %-*s %s%s", sel ? ">" : " ", DRILLUI_NAME_W,
                                name, ttl, t->refusal ? " (disabled)" : "");

        if (sel) {
            drillui_attr(palette_attr(THEME_ROLE_SELECTED) | A_REVERSE);
            mvwhline(stdscr, row, 1, ' ', w - 2);
            drillui_attr(A_NORMAL);
        }
        draw_text(a, row, 1, w - 2,
                  sel          ? THEME_ROLE_SELECTED
                  : t->refusal ? THEME_ROLE_STALE
                               : THEME_ROLE_NORMAL,
                  line);
        free(line);
    }
    row++;
    if (why)
        drillui_para(a, &row, y + h - 1, 2, w - 4, "why not:  ", why,
                     THEME_ROLE_WARN);
    drillui_para(a, &row, y + h - 1, 2, w - 4, "look for: ", look,
                 THEME_ROLE_NORMAL);
    drillui_para(a, &row, y + h - 1, 2, w - 4, "recover:  ", recover,
                 THEME_ROLE_NORMAL);
    free(look);
    free(recover);
    free(why);
}
