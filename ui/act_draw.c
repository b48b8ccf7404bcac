#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/context.h"
#include "src/fleet.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/act_impl.h"
#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/format.h"
#include "ui/palette.h"
#include "ui/text.h"

/* Rows of the view kept visible above a panel (the cluster view's summary,
 * table header and first nodes). */
#define ACT_KEEP_ROWS 7

static void act_attr(attr_t at)
{
    wattr_set(stdscr, at & ~(attr_t)A_COLOR, (short)PAIR_NUMBER(at), NULL);
}

/* A panel WANT rows high at the bottom of the body (at most the body less
 * ACT_KEEP_ROWS, so the view stays in sight above it). */
static void act_area(const struct layout_areas *ar, int want, int *y, int *h)
{
    int max = ar->body_h - ACT_KEEP_ROWS;

    if (max < 8)
        max = ar->body_h;
    *h = want < max ? want : max;
    *y = ar->body_y + ar->body_h - *h;
}

/* Clears rows Y..Y+H-1 over the whole width and draws a border with TITLE
 * on its top edge and FOOT (may be NULL) on its bottom edge. */
static void act_box(struct app *a, int y, int h, const struct layout_areas *ar,
                    const char *title, const char *foot)
{
    int acs = a->utf8 || !settings_num(a->s, SETTINGS_ASCII);
    int w = ar->cols, r;
    struct buf b = BUF_INIT;

    act_attr(palette_attr(THEME_ROLE_NORMAL));
    for (r = y; r < y + h; r++)
        mvwhline(stdscr, r, 0, ' ', w);
    act_attr(palette_attr(THEME_ROLE_BORDER));
    if (acs) {
        mvwhline(stdscr, y, 1, ACS_HLINE, w - 2);
        mvwhline(stdscr, y + h - 1, 1, ACS_HLINE, w - 2);
        mvwvline(stdscr, y + 1, 0, ACS_VLINE, h - 2);
        mvwvline(stdscr, y + 1, w - 1, ACS_VLINE, h - 2);
        mvwaddch(stdscr, y, 0, ACS_ULCORNER);
        mvwaddch(stdscr, y, w - 1, ACS_URCORNER);
        mvwaddch(stdscr, y + h - 1, 0, ACS_LLCORNER);
        mvwaddch(stdscr, y + h - 1, w - 1, ACS_LRCORNER);
    } else {
        mvwhline(stdscr, y, 1, '-', w - 2);
        mvwhline(stdscr, y + h - 1, 1, '-', w - 2);
        mvwvline(stdscr, y + 1, 0, '|', h - 2);
        mvwvline(stdscr, y + 1, w - 1, '|', h - 2);
        mvwaddch(stdscr, y, 0, '+');
        mvwaddch(stdscr, y, w - 1, '+');
        mvwaddch(stdscr, y + h - 1, 0, '+');
        mvwaddch(stdscr, y + h - 1, w - 1, '+');
    }
    act_attr(A_NORMAL);
    buf_printf(&b, " %s ", title);
    draw_text(a, y, 2, w - 4, THEME_ROLE_HEADER, buf_str(&b));
    if (foot) {
        buf_reset(&b);
        buf_printf(&b, " %s ", foot);
        draw_text(a, y + h - 1, 2, w - 4, THEME_ROLE_MUTED, buf_str(&b));
    }
    buf_free(&b);
}

/* Appends TEXT to OUT with lines longer than WIDTH broken at spaces (or
 * cut, for a long word such as a JSON body); continuation lines keep the
 * line's indentation plus two spaces. */
static void act_wrap(struct buf *out, const char *text, int width)
{
    if (width < 20)
        width = 20;
    while (*text) {
        size_t len = strcspn(text, "\n");
        size_t ind = strspn(text, " ");
        int room = width, first = 1;

        if (ind > (size_t)width / 2)
            ind = (size_t)width / 2;
        while ((int)len > room) {
            int cut = room;

            while (cut > room / 2 && text[cut] != ' ')
                cut--;
            if (text[cut] != ' ')
                cut = room;
            if (!first)
                buf_printf(out, "%*s", (int)ind + 2, "");
            buf_append(out, text, (size_t)cut);
            buf_putc(out, '\n');
            text += cut;
            len -= (size_t)cut;
            while (*text == ' ' && len > 0) {
                text++;
                len--;
            }
            first = 0;
            room = width - (int)ind - 2;
        }
        if (!first)
            buf_printf(out, "%*s", (int)ind + 2, "");
        buf_append(out, text, len);
        buf_putc(out, '\n');
        text += len;
        if (*text == '\n')
            text++;
    }
}

/* Draws the lines of TEXT from line FIRST into rows Y..Y+H-1 at X, W wide;
 * returns the number of lines of TEXT. */
/* The role of a checklist line (act_ha.c writes its markers as text, so
 * they read without colors): the marker's, else ROLE. */
static enum theme_role act_line_role(const char *line, enum theme_role role)
{
    if (strncmp(line, "  [FAIL]", 8) == 0)
        return THEME_ROLE_CRIT;
    if (strncmp(line, "  [fix ]", 8) == 0)
        return THEME_ROLE_WARN;
    if (strncmp(line, "  [ ok ]", 8) == 0)
        return THEME_ROLE_OK;
    return role;
}

static int act_lines(struct app *a, const char *text, int first, int y, int h,
                     int x, int w, enum theme_role role)
{
    int line = 0;

    while (*text) {
        size_t len = strcspn(text, "\n");

        if (line >= first && line - first < h) {
            char *l = x_strndup(text, len);

            draw_text(a, y + line - first, x, w, act_line_role(l, role), l);
            free(l);
        }
        line++;
        text += len;
        if (*text == '\n')
            text++;
    }
    return line;
}

void act_draw_menu(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    int y, h, row, k, iw = ar->cols - 4;
    struct buf b = BUF_INIT;
    char *title;

    act_area(ar, ACTION__COUNT + 7, &y, &h);
    title = x_asprintf("actions: %s", t->cluster ? t->cluster : "?");
    act_box(a, y, h, ar, title, "Enter choose  Esc close");
    free(title);
    row = y + 1;
    if (a->ctx->read_only)
        buf_printf(&b, "read-only context %s: every action is disabled",
                   a->ctx->name);
    else if (t->node)
        buf_printf(&b, "selected node %s (%s)", t->node,
                   t->node_role ? t->node_role : "?");
    else
        buf_puts(&b, "no node selected: actions on the whole cluster");
    draw_text(a, row++, 2, iw,
              a->ctx->read_only ? THEME_ROLE_WARN : THEME_ROLE_MUTED,
              buf_str(&b));
    row++;
    for (k = 0; k < ACTION__COUNT && row < y + h - 1; k++, row++) {
        const struct action_item *it = &t->items[k];
        char *label = act_item_label(t, it->kind);
        int sel = k == t->menu_sel;
        struct buf l = BUF_INIT;

        buf_reset(&b);
        text_fit(&l, label, 28, a->utf8, TEXT_LEFT);
        buf_printf(&b, "%s %s %s", sel ? ">" : " ", buf_str(&l),
                   it->enabled ? "ok" : "no: ");
        if (!it->enabled)
            buf_puts(&b, it->why[0] ? it->why : "unavailable");
        if (sel) {
            act_attr(palette_attr(THEME_ROLE_SELECTED) | A_REVERSE);
            mvwhline(stdscr, row, 1, ' ', ar->cols - 2);
            act_attr(A_NORMAL);
        }
        draw_text(a, row, 1, ar->cols - 2,
                  sel           ? THEME_ROLE_SELECTED
                  : it->enabled ? THEME_ROLE_NORMAL
                                : THEME_ROLE_STALE,
                  buf_str(&b));
        free(label);
        buf_free(&l);
    }
    /* The whole reason of the selected item when it is disabled (the
     * line above may cut it). */
    if (!t->items[t->menu_sel].enabled && row < y + h - 1) {
        struct buf w = BUF_INIT;

        buf_reset(&b);
        buf_printf(&b, "why: %s", t->items[t->menu_sel].why);
        act_wrap(&w, buf_str(&b), iw);
        act_lines(a, buf_str(&w), 0, row, y + h - 1 - row, 2, iw,
                  THEME_ROLE_WARN);
        buf_free(&w);
    }
    buf_free(&b);
}

/* "48M 1.2s", "unknown". */
static void act_lag(const struct action_candidate *cd, char *out, size_t cap)
{
    char b1[UI_FMT_CAP], b2[UI_FMT_CAP];

    if (cd->lag_bytes < 0 && cd->lag_ms < 0) {
        snprintf(out, cap, "unknown");
        return;
    }
    snprintf(out, cap, "%s %s",
             cd->lag_bytes >= 0 ? format_bytes(cd->lag_bytes, b1, sizeof b1)
                                : "?",
             cd->lag_ms >= 0 ? format_duration(cd->lag_ms, b2, sizeof b2) : "");
}

/* The candidates table at ROW (header, then one row each, at most MAX
 * rows in all).  MARK: the id marked '>' (the target), SEL the row shown
 * selected (-1 none).  Returns the rows used. */
static int act_cand_table(struct app *a, int row, int max, int iw,
                          const char *mark, int sel)
{
    const struct act *t = a->act;
    struct buf b = BUF_INIT;
    int used = 0;
    size_t i;

    if (max < 2 || t->pf.n_candidates == 0)
        return 0;
    buf_printf(&b, "  %-14s %-6s %-6s %-14s %s", "CANDIDATE", "REGION",
               "CHECKS", "LAG", "ELIGIBLE");
    draw_text(a, row + used++, 2, iw, THEME_ROLE_HEADER, buf_str(&b));
    for (i = 0; i < t->pf.n_candidates && used < max; i++) {
        const struct action_candidate *cd = &t->pf.candidates[i];
        char checks[16], lag[2 * UI_FMT_CAP + 2];
        int is_sel = (int)i == sel;
        int marked = mark && strcmp(mark, cd->id) == 0;

        snprintf(checks, sizeof checks, "%d/%d", cd->checks_passing,
                 cd->n_checks);
        act_lag(cd, lag, sizeof lag);
        buf_reset(&b);
        buf_printf(&b, "%c %-14.14s %-6.6s %-6s %-14.14s %s",
                   is_sel || marked ? '>' : ' ', cd->id,
                   cd->region ? cd->region : "", checks, lag,
                   cd->eligible ? "yes" : "no");
        if (*actions_candidate_note(cd))
            buf_printf(&b, ": %s", actions_candidate_note(cd));
        else if (!cd->eligible)
            buf_puts(&b, ": not eligible");
        if (is_sel) {
            act_attr(palette_attr(THEME_ROLE_SELECTED) | A_REVERSE);
            mvwhline(stdscr, row + used, 2, ' ', iw);
            act_attr(A_NORMAL);
        }
        draw_text(a, row + used, 2, iw,
                  is_sel         ? THEME_ROLE_SELECTED
                  : cd->eligible ? THEME_ROLE_OK
                                 : THEME_ROLE_STALE,
                  buf_str(&b));
        used++;
    }
    buf_free(&b);
    return used;
}

void act_draw_candidates(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    int y, h, row, iw = ar->cols - 4;
    char *title;
    struct buf b = BUF_INIT;

    act_area(ar, (int)t->pf.n_candidates + 7, &y, &h);
    title = x_asprintf("failover %s: choose the new primary%s%s",
                       t->a_cluster ? t->a_cluster : "?",
                       t->args.force ? " [force]" : "",
                       t->args.allow_secondary_region ? " [any region]" : "");
    act_box(a, y, h, ar, title,
            "Enter choose  f force  s other regions  Esc cancel");
    free(title);
    row = y + 1;
    buf_printf(&b, "quorum in the primary region: %d before, %d after",
               t->pf.quorum_before, t->pf.quorum_after);
    draw_text(a, row++, 2, iw, THEME_ROLE_MUTED, buf_str(&b));
    if (t->now_refused) {
        buf_reset(&b);
        buf_printf(&b, "!! refused now: %s", t->now_refused);
        draw_text(a, row++, 2, iw, THEME_ROLE_CRIT, buf_str(&b));
    }
    row++;
    act_cand_table(a, row, y + h - 1 - row, iw, NULL, t->cand_sel);
    buf_free(&b);
}

void act_draw_preview(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    const struct plan *p = t->plan;
    int y = ar->body_y, h = ar->body_h, iw = ar->cols - 4;
    int row, text_top, text_h, n, bottom;
    struct buf b = BUF_INIT, foot = BUF_INIT, wrapped = BUF_INIT;
    size_t i;
    char *title;

    if (!p)
        return;
    title = x_asprintf("plan: %s", p->summary ? p->summary : p->action);
    act_wrap(&wrapped, buf_str(&t->text), iw);
    n = act_lines(a, buf_str(&wrapped), 0, 0, 0, 0, 0, THEME_ROLE_NORMAL);
    act_box(a, y, h, ar, title, NULL);
    free(title);
    row = y + 1;
    bottom = y + h - 2; /* the confirmation line */
    if (p->risk == PLAN_RISK_HIGH)
        draw_text(a, row++, 2, iw, THEME_ROLE_WARN,
                  "risk: high (disruptive). Read the plan, then type the "
                  "cluster name to run it.");
    else
        draw_text(a, row++, 2, iw, THEME_ROLE_NORMAL,
                  "risk: low (reversible). y runs it; Enter, n or Esc "
                  "cancel.");
    for (i = 0; i < p->n_warnings && row < bottom - 3; i++) {
        struct buf w = BUF_INIT;

        buf_reset(&b);
        buf_printf(&b, "! %s", p->warnings[i]);
        act_wrap(&w, buf_str(&b), iw);
        row += act_lines(a, buf_str(&w), 0, row, 2, 2, iw, THEME_ROLE_WARN) > 1
                   ? 2
                   : 1;
        buf_free(&w);
    }
    if (t->now_refused && row < bottom - 3) {
        buf_reset(&b);
        buf_printf(&b, "!! refused now (the data changed): %s", t->now_refused);
        draw_text(a, row++, 2, iw, THEME_ROLE_CRIT, buf_str(&b));
    }
    if (t->args.kind == ACTION_FAILOVER && t->pf.n_candidates > 0) {
        int max = bottom - 3 - row;

        if (max > (int)t->pf.n_candidates + 1)
            max = (int)t->pf.n_candidates + 1;
        row += act_cand_table(a, row, max, iw, t->a_to, -1);
    }
    draw_rule(a, row, ar->cols);
    act_attr(palette_attr(THEME_ROLE_BORDER));
    mvwaddch(stdscr, row, 0,
             a->utf8 || !settings_num(a->s, SETTINGS_ASCII) ? ACS_LTEE : '+');
    mvwaddch(stdscr, row, ar->cols - 1,
             a->utf8 || !settings_num(a->s, SETTINGS_ASCII) ? ACS_RTEE : '+');
    act_attr(A_NORMAL);
    row++;
    text_top = row;
    text_h = bottom - 1 - text_top;
    if (text_h < 1)
        text_h = 1;
    if (t->scroll > n - text_h)
        t->scroll = n - text_h > 0 ? n - text_h : 0;
    act_lines(a, buf_str(&wrapped), t->scroll, text_top, text_h, 2, iw,
              THEME_ROLE_NORMAL);
    buf_printf(&foot, "plan lines %d-%d of %d", n ? t->scroll + 1 : 0,
               t->scroll + text_h < n ? t->scroll + text_h : n, n);
    draw_text(a, bottom - 1, 2, iw, THEME_ROLE_MUTED, buf_str(&foot));
    /* The confirmation. */
    buf_reset(&b);
    if (p->risk == PLAN_RISK_HIGH) {
        int x;

        buf_printf(&b, "type the cluster name (%s) to run: ", p->cluster);
        draw_text(a, bottom, 2, iw, THEME_ROLE_PROMPT, buf_str(&b));
        x = 2 + (int)text_width(buf_str(&b), a->utf8);
        buf_reset(&b);
        buf_printf(&b, "[%s_]", buf_str(&t->typed));
        draw_text(a, bottom, x, ar->cols - 2 - x, THEME_ROLE_SELECTED,
                  buf_str(&b));
        x += (int)text_width(buf_str(&b), a->utf8) + 2;
        if (t->typed_wrong)
            draw_text(a, bottom, x, ar->cols - 2 - x, THEME_ROLE_CRIT,
                      "wrong name: not run");
        else
            draw_text(a, bottom, x, ar->cols - 2 - x, THEME_ROLE_HINT,
                      "Esc cancels");
    } else {
        int x = 2;

        draw_text(a, bottom, x, iw, THEME_ROLE_PROMPT, "Run this plan? ");
        x += 15;
        draw_text(a, bottom, x, 10,
                  t->run_focus ? THEME_ROLE_NORMAL : THEME_ROLE_SELECTED,
                  t->run_focus ? "  Cancel  " : "[ Cancel ]");
        x += 11;
        draw_text(a, bottom, x, 7,
                  t->run_focus ? THEME_ROLE_SELECTED : THEME_ROLE_NORMAL,
                  t->run_focus ? "[ Run ]" : "  Run  ");
        x += 9;
        draw_text(a, bottom, x, ar->cols - 2 - x, THEME_ROLE_HINT,
                  "y run  Enter/n/Esc cancel  Tab switch");
    }
    buf_free(&b);
    buf_free(&foot);
    buf_free(&wrapped);
}

void act_draw_message(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    struct buf w = BUF_INIT;
    int y, h, lines, iw = ar->cols - 4;

    act_wrap(&w, buf_str(&t->msg), iw);
    lines = act_lines(a, buf_str(&w), 0, 0, 0, 0, 0, THEME_ROLE_NORMAL);
    act_area(ar, lines + 2, &y, &h);
    act_box(a, y, h, ar, t->msg_title ? t->msg_title : "", "Enter/Esc close");
    act_lines(a, buf_str(&w), 0, y + 1, h - 2, 2, iw,
              t->msg_crit ? THEME_ROLE_CRIT : THEME_ROLE_NORMAL);
    buf_free(&w);
}

static enum theme_role act_state_role(enum plan_step_state s)
{
    switch (s) {
    case PLAN_STEP_DONE:
        return THEME_ROLE_OK;
    case PLAN_STEP_RUNNING:
        return THEME_ROLE_WARN;
    case PLAN_STEP_FAILED:
        return THEME_ROLE_CRIT;
    case PLAN_STEP_SKIPPED:
        return THEME_ROLE_STALE;
    default:
        return THEME_ROLE_NORMAL;
    }
}

/* One step line: "done     3. stop the old primary 148e (note)   1.2s". */
static void act_step_line(struct app *a, int row, int iw, size_t num,
                          const struct plan *p, const struct plan_step *s,
                          enum plan_step_state st, int64_t elapsed,
                          const char *note)
{
    struct buf b = BUF_INIT, mid = BUF_INIT;
    char *title = plan_expand(p, s->title, 0, NULL);
    char d[UI_FMT_CAP] = "";

    if (elapsed >= 0 && st != PLAN_STEP_PENDING)
        format_duration(elapsed, d, sizeof d);
    buf_printf(&mid, "%s", title ? title : s->title);
    if (note && *note)
        buf_printf(&mid, " - %s", note);
    buf_printf(&b, "%-8s%2zu. ", plan_step_state_name(st), num);
    text_fit(&b, buf_str(&mid), (size_t)(iw - 12 - 8 > 10 ? iw - 12 - 8 : 10),
             a->utf8, TEXT_LEFT);
    buf_printf(&b, " %7s", d);
    draw_text(a, row, 2, iw, act_state_role(st), buf_str(&b));
    free(title);
    buf_free(&b);
    buf_free(&mid);
}

void act_draw_progress(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    const struct plan_run *r = t->run;
    const struct plan *p = r ? plan_run_plan(r) : NULL;
    const struct plan_journal *j = r ? plan_run_journal(r) : NULL;
    enum plan_outcome o = r ? plan_run_outcome(r) : PLAN_OUTCOME_NONE;
    int y, h, row, iw = ar->cols - 4, visible, first, total, cur;
    int vlines = 0,
        ha = strcmp(p ? p->action : "", action_name(ACTION_HA)) == 0;
    struct buf vtext = BUF_INIT, vw = BUF_INIT;
    size_t i;
    char *title, *line;

    if (!p)
        return;
    total = (int)p->n_steps + (j && j->aborting ? (int)p->n_abort_steps : 0);
    if (ha && o == PLAN_OUTCOME_DONE && !(j && j->aborting)) {
        /* The wizard's step 4, under the steps: rebuilt every frame from
         * the live model, so it turns "highly available" as the replicas
         * catch up. */
        act_ha_verify_text(a, p->cluster, &vtext);
        act_wrap(&vw, buf_str(&vtext), iw);
        vlines = act_lines(a, buf_str(&vw), 0, 0, 0, 0, 0, THEME_ROLE_NORMAL);
    }
    act_area(ar, total + 5 + vlines, &y, &h);
    title = x_asprintf("%s: %s", ha ? "HA wizard" : "plan",
                       p->summary ? p->summary : p->action);
    act_box(a, y, h, ar, title,
            o == PLAN_OUTCOME_NONE ? "Esc hide  c cancel"
            : o == PLAN_OUTCOME_FAILED || o == PLAN_OUTCOME_UNKNOWN
                ? "r retry  b roll back  Esc close"
                : "Esc close");
    free(title);
    row = y + 1;
    draw_text(a, row++, 2, iw, THEME_ROLE_MUTED, p->id);
    if (vlines > h - 6)
        vlines = h - 6 > 0 ? h - 6 : 0;
    visible = h - 4 - vlines;
    cur = j ? (int)j->current + (j->aborting ? (int)p->n_steps : 0) : 0;
    first = t->prog_scroll >= 0 ? t->prog_scroll : cur - visible / 2;
    if (first > total - visible)
        first = total - visible;
    if (first < 0)
        first = 0;
    for (i = (size_t)first; (int)i < total && (int)i < first + visible; i++) {
        if (i < p->n_steps) {
            enum plan_step_state st = j && j->st ? j->st[i] : PLAN_STEP_PENDING;

            act_step_line(a, row++, iw, i + 1, p, &p->steps[i], st,
                          plan_run_step_elapsed_ms(r, i), plan_run_note(r, i));
        } else if (j) {
            size_t k = i - p->n_steps;
            enum plan_step_state st = PLAN_STEP_PENDING;

            if ((int)k < (int)j->current)
                st = PLAN_STEP_DONE;
            else if ((int)k == (int)j->current && o == PLAN_OUTCOME_NONE)
                st = PLAN_STEP_RUNNING;
            act_step_line(a, row++, iw, k + 1, p, &p->abort_steps[k], st, -1,
                          k == j->current ? "abort step" : NULL);
        }
    }
    if (vlines > 0)
        act_lines(a, buf_str(&vw), 0, y + h - 2 - vlines, vlines, 2, iw,
                  THEME_ROLE_NORMAL);
    buf_free(&vtext);
    buf_free(&vw);
    line = act_outcome_line(r);
    draw_text(a, y + h - 2, 2, iw,
              o == PLAN_OUTCOME_DONE   ? THEME_ROLE_OK
              : o == PLAN_OUTCOME_NONE ? THEME_ROLE_STATUS
                                       : THEME_ROLE_CRIT,
              line);
    free(line);
}

void act_draw_resume(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    const struct plan_journal *j = &t->journals[t->next_journal];
    const struct plan *p = j->plan;
    struct buf b = BUF_INIT, w = BUF_INIT;
    int y, h, lines, iw = ar->cols - 4;
    size_t left = t->n_journals - t->next_journal - 1;
    size_t n = p ? (j->aborting ? p->n_abort_steps : p->n_steps) : 0;
    const struct plan_step *s = NULL;
    char age[UI_FMT_CAP];

    if (!p)
        return;
    if (j->current < n)
        s = j->aborting ? &p->abort_steps[j->current] : &p->steps[j->current];
    buf_printf(&b,
               "interrupted plan %s (%s), %sstep %zu of %zu: [r]esume, "
               "[a]bort, [l]ater\n\n",
               p->summary ? p->summary : p->action, p->id,
               j->aborting ? "abort " : "", j->current + 1, n);
    if (s) {
        char *title = plan_expand(p, s->title, 0, NULL);

        buf_printf(
            &b, "step %zu: %s (%s)\n", j->current + 1, title ? title : s->title,
            plan_step_state_name(j->st && !j->aborting ? j->st[j->current]
                                                       : PLAN_STEP_RUNNING));
        free(title);
    }
    format_age(j->step_started_ms > 0 ? fleet_wall_ms() - j->step_started_ms
                                      : -1,
               age, sizeof age);
    buf_printf(&b, "that step began %s; context %s\n", age,
               j->context ? j->context : "?");
    if (j->error)
        buf_printf(&b, "last error: %s\n", j->error);
    buf_puts(&b, "\nr  resume: check whether that step took effect, rerun "
                 "it if not, go on\n"
                 "a  abort: run the plan's abort steps (its safe state) and "
                 "release the leases\n"
                 "l  later: leave it (pgdeck resume / pgdeck abort, or the "
                 "next start asks again)\n");
    if (left > 0)
        buf_printf(&b, "\n%zu more interrupted plan%s after this one\n", left,
                   left == 1 ? "" : "s");
    act_wrap(&w, buf_str(&b), iw);
    lines = act_lines(a, buf_str(&w), 0, 0, 0, 0, 0, THEME_ROLE_NORMAL);
    act_area(ar, lines + 2, &y, &h);
    act_box(a, y, h, ar, "interrupted plan", "r resume  a abort  l later");
    act_lines(a, buf_str(&w), 0, y + 1, h - 2, 2, iw, THEME_ROLE_NORMAL);
    buf_free(&b);
    buf_free(&w);
}

void act_draw_ask(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    const char *q, *yes;
    struct buf w = BUF_INIT;
    int y, h, lines, x, iw = ar->cols - 4;

    if (t->ask == ACT_ASK_QUIT) {
        q = "A plan is running. Quit and leave it interrupted? Its journal "
            "stays: the next start offers to resume or abort it.";
        yes = "Quit";
    } else {
        q = "Cancel the plan? It stops after the step in flight and "
            "releases its leases; its abort steps are not run.";
        yes = "Cancel the plan";
    }
    act_wrap(&w, q, iw);
    lines = act_lines(a, buf_str(&w), 0, 0, 0, 0, 0, THEME_ROLE_NORMAL);
    h = lines + 4;
    y = ar->body_y + (ar->body_h - h) / 2;
    act_box(a, y, h, ar, "confirm", "y yes  Enter/n/Esc no");
    act_lines(a, buf_str(&w), 0, y + 1, lines, 2, iw, THEME_ROLE_STATUS);
    x = 2;
    draw_text(a, y + h - 2, x, 10,
              t->ask_yes_focus ? THEME_ROLE_NORMAL : THEME_ROLE_SELECTED,
              t->ask_yes_focus ? "  No  " : "[ No ]");
    x += 8;
    {
        char *label = x_asprintf("%s%s%s", t->ask_yes_focus ? "[ " : "  ", yes,
                                 t->ask_yes_focus ? " ]" : "  ");

        draw_text(a, y + h - 2, x, iw - x,
                  t->ask_yes_focus ? THEME_ROLE_SELECTED : THEME_ROLE_NORMAL,
                  label);
        free(label);
    }
    buf_free(&w);
}

/* The snapshots view: a line per node's volume (its newest snapshot's age,
 * flagged when there is none or it is older than a day), then every
 * snapshot, newest first, the selected one highlighted. */
void act_draw_snapshots(struct app *a, const struct layout_areas *ar)
{
    struct act *t = a->act;
    const struct snap_result *r = &t->snaps;
    int64_t now = (int64_t)time(NULL) * 1000;
    int y, h, row, last, first, i, iw = ar->cols - 4;
    struct buf b = BUF_INIT;
    char *title;
    size_t k;

    act_area(ar, (int)(r->n_vols + r->n_rows) + 7, &y, &h);
    title = x_asprintf("snapshots: %s", t->cluster ? t->cluster : "?");
    act_box(a, y, h, ar, title,
            "Enter restore  c take one  r reload  Esc close");
    free(title);
    row = y + 1;
    last = y + h - 1;
    if (t->snap_error)
        buf_printf(&b, "no list: %s", t->snap_error);
    else if (!t->snaps_loaded)
        buf_puts(&b, "listing the snapshots of every volume...");
    else
        buf_printf(&b, "%zu snapshot%s on %zu volume%s%s", r->n_rows,
                   r->n_rows == 1 ? "" : "s", r->n_vols,
                   r->n_vols == 1 ? "" : "s",
                   t->snap_req ? " (reloading)" : "");
    draw_text(a, row++, 2, iw,
              t->snap_error ? THEME_ROLE_CRIT : THEME_ROLE_MUTED, buf_str(&b));
    for (k = 0; t->snaps_loaded && k < r->n_vols && row < last; k++) {
        const struct snap_volume *v = &r->vols[k];
        enum theme_role role = THEME_ROLE_OK;
        char age[32];

        buf_reset(&b);
        buf_printf(&b, "%s (%s) ", v->node, v->role);
        if (!*v->volume) {
            buf_puts(&b, "mounts no volume");
            role = THEME_ROLE_MUTED;
        } else if (v->error) {
            buf_printf(&b, "%s: the list failed: %s", v->volume, v->error);
            role = THEME_ROLE_CRIT;
        } else if (v->count == 0) {
            buf_printf(&b, "%s: NO SNAPSHOT", v->volume);
            role = THEME_ROLE_CRIT;
        } else {
            snap_age_text(now - v->newest_ms, age, sizeof age);
            buf_printf(&b, "%s: %zu, newest %s old%s", v->volume, v->count, age,
                       snap_volume_stale(v, now) ? " (older than a day)" : "");
            if (snap_volume_stale(v, now))
                role = THEME_ROLE_WARN;
        }
        draw_text(a, row++, 2, iw, role, buf_str(&b));
    }
    if (row < last)
        row++;
    if (r->n_rows > 0 && row < last) {
        buf_reset(&b);
        buf_printf(&b, "  %-28s %-15s %-8s %-17s %-8s %s", "SNAPSHOT", "NODE",
                   "ROLE", "CREATED (UTC)", "AGE", "SIZE");
        draw_text(a, row++, 1, ar->cols - 2, THEME_ROLE_HEADER, buf_str(&b));
    }
    /* Keep the selected row in sight. */
    first = t->snap_scroll;
    if (t->snap_sel < first)
        first = t->snap_sel;
    if (last - row > 0 && t->snap_sel >= first + (last - row))
        first = t->snap_sel - (last - row) + 1;
    if (first < 0)
        first = 0;
    t->snap_scroll = first;
    for (i = first; i < (int)r->n_rows && row < last; i++, row++) {
        const struct snap_row *w = &r->rows[i];
        int sel = i == t->snap_sel;
        char when[32], age[32], size[32];
        time_t tt = (time_t)(w->s.created_at_ms / 1000);
        struct tm tm;

        if (!gmtime_r(&tt, &tm) ||
            strftime(when, sizeof when, "%m-%d %H:%M:%S", &tm) == 0)
            (void)snprintf(when, sizeof when, "-");
        snap_age_text(now - w->s.created_at_ms, age, sizeof age);
        format_bytes(w->s.size, size, sizeof size);
        buf_reset(&b);
        buf_printf(&b, "%s %-28s %-15s %-8s %-17s %-8s %s", sel ? ">" : " ",
                   w->s.id ? w->s.id : "?", w->node, w->role, when, age, size);
        if (sel) {
            act_attr(palette_attr(THEME_ROLE_SELECTED) | A_REVERSE);
            mvwhline(stdscr, row, 1, ' ', ar->cols - 2);
            act_attr(A_NORMAL);
        }
        draw_text(a, row, 1, ar->cols - 2,
                  sel ? THEME_ROLE_SELECTED : THEME_ROLE_NORMAL, buf_str(&b));
    }
    buf_free(&b);
}
