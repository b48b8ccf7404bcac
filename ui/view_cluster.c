#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/fleet.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/format.h"
#include "ui/spark.h"

enum { CS_DEFAULT, CS_REGION, CS_ROLE, CS_LAG, CS_DISK };

static const char *const view_cluster_sorts[VIEW_CLUSTER_SORTS] = {
    "default", "region", "role", "lag", "disk"};

static int view_cluster_rows(struct app *a);
static void view_cluster_draw(struct app *a, const struct layout_areas *ar);
static void view_cluster_node_row(struct app *a, const struct fleet_node *nd,
                                  const int *widths, int y, int selected,
                                  int cols);
static void view_cluster_sparks(struct app *a, const struct fleet_node *nd,
                                int y, int cols);
static void view_cluster_ring(const struct fleet_ring *r, double **v,
                              size_t *n);

static const struct fleet_cluster *vc_cluster;
static int vc_sort, vc_rev;

static int view_cluster_cmp(const void *pa, const void *pb)
{
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const struct fleet_node *x = &vc_cluster->nodes[ia];
    const struct fleet_node *y = &vc_cluster->nodes[ib];
    int d = 0;

    switch (vc_sort) {
    case CS_REGION:
        d = strcmp(x->region, y->region);
        break;
    case CS_ROLE:
        d = (x->role == FLEET_ROLE_PRIMARY ? 0 : 1) -
            (y->role == FLEET_ROLE_PRIMARY ? 0 : 1);
        break;
    case CS_LAG:
        d = y->lag_replay_bytes > x->lag_replay_bytes   ? 1
            : y->lag_replay_bytes < x->lag_replay_bytes ? -1
                                                        : 0;
        break;
    case CS_DISK:
        d = y->volume.used_pct > x->volume.used_pct   ? 1
            : y->volume.used_pct < x->volume.used_pct ? -1
                                                      : 0;
        break;
    default:
        break;
    }
    if (d == 0)
        d = ia < ib ? -1 : ia > ib ? 1 : 0;
    return vc_rev ? -d : d;
}

const char *view_cluster_sort_name(int sort)
{
    return sort >= 0 && sort < VIEW_CLUSTER_SORTS ? view_cluster_sorts[sort]
                                                  : "";
}

size_t *view_cluster_order(struct app *a, const struct fleet_cluster *c,
                           size_t *n)
{
    size_t *order = x_calloc(c->n_nodes + 1, sizeof *order), i;

    *n = 0;
    for (i = 0; i < c->n_nodes; i++) {
        const struct fleet_node *nd = &c->nodes[i];
        const char *texts[2] = {nd->id, nd->name};
        const char *regions[1] = {nd->region};
        const char *roles[2] = {fleet_role_name(nd->role),
                                nd->check_role ? nd->check_role : ""};
        const char *states[1] = {nd->state};
        struct filter_subject s = {texts, 2, regions, 1, roles, 2, states, 1};

        if (filter_match(a->filter[1], &s))
            order[(*n)++] = i;
    }
    vc_cluster = c;
    vc_sort = a->sort[1];
    vc_rev = a->sort_rev[1];
    qsort(order, *n, sizeof *order, view_cluster_cmp);
    vc_cluster = NULL;
    return order;
}

static int view_cluster_rows(struct app *a)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && a->cluster ? fleet_model_cluster(m, a->cluster) : NULL;
    size_t n = 0;

    if (c)
        free(view_cluster_order(a, c, &n));
    return (int)n;
}

static void view_cluster_node_row(struct app *a, const struct fleet_node *nd,
                                  const int *widths, int y, int selected,
                                  int cols)
{
    char mark[2] = {fleet_node_marker(nd), 0};
    char checks[16], lag[2 * UI_FMT_CAP + 2], b1[UI_FMT_CAP], b2[UI_FMT_CAP];
    char sent[UI_FMT_CAP], wr[UI_FMT_CAP], fl[UI_FMT_CAP], tl[24],
        size[UI_FMT_CAP], used[UI_FMT_CAP], eta[UI_FMT_CAP], mem[UI_FMT_CAP];
    const char *cells[LN__COUNT];
    enum theme_role roles[LN__COUNT];
    int k, stale = nd->probe.stale || nd->api.stale;

    for (k = 0; k < LN__COUNT; k++)
        roles[k] = stale ? THEME_ROLE_STALE : THEME_ROLE_NORMAL;
    snprintf(checks, sizeof checks, "%d/%zu", nd->checks_passing, nd->n_checks);
    switch (nd->lag_state) {
    case FLEET_LAG_NONE:
        snprintf(lag, sizeof lag, "%s",
                 nd->role == FLEET_ROLE_PRIMARY ? "" : "-");
        break;
    case FLEET_LAG_IDLE:
        snprintf(lag, sizeof lag, "idle");
        break;
    case FLEET_LAG_MISSING:
        snprintf(lag, sizeof lag, "not streaming");
        break;
    case FLEET_LAG_UNKNOWN:
        snprintf(lag, sizeof lag, "unknown");
        break;
    default:
        snprintf(lag, sizeof lag, "%s %s%s",
                 format_bytes(nd->lag_replay_bytes, b1, sizeof b1),
                 format_duration(nd->lag_ms, b2, sizeof b2),
                 nd->replay_paused ? " paused" : "");
        break;
    }
    if (nd->timeline >= 0)
        snprintf(tl, sizeof tl, "%lld", (long long)nd->timeline);
    else
        snprintf(tl, sizeof tl, "-");
    if (nd->volume.size_gb > 0)
        snprintf(size, sizeof size, "%dG", nd->volume.size_gb);
    else
        snprintf(size, sizeof size, "-");
    if (nd->memory_mb > 0)
        snprintf(mem, sizeof mem, "%dM", nd->memory_mb);
    else
        snprintf(mem, sizeof mem, "-");
    cells[LN_MARK] = mark;
    cells[LN_ID] = nd->id;
    cells[LN_REGION] = nd->region;
    cells[LN_ROLE] = fleet_role_name(nd->role);
    cells[LN_STATE] = nd->state;
    cells[LN_CHECKS] = checks;
    cells[LN_LAG] = lag;
    cells[LN_SENT] = format_bytes(nd->lag_sent_bytes, sent, sizeof sent);
    cells[LN_WRITE] = format_bytes(nd->lag_write_bytes, wr, sizeof wr);
    cells[LN_FLUSH] = format_bytes(nd->lag_flush_bytes, fl, sizeof fl);
    cells[LN_TL] = tl;
    cells[LN_SIZE] = size;
    cells[LN_USED] = format_pct(nd->volume.used_pct, used, sizeof used);
    cells[LN_ETA] = format_eta(
        nd->volume.eta_full_ms < 0 ? -1 : nd->volume.eta_full_ms / 1000, eta,
        sizeof eta);
    cells[LN_MEM] = mem;
    if (!stale) {
        roles[LN_MARK] = mark[0] == '*'   ? THEME_ROLE_PRIMARY
                         : mark[0] == ' ' ? THEME_ROLE_NORMAL
                                          : THEME_ROLE_CRIT;
        roles[LN_ROLE] = nd->role == FLEET_ROLE_PRIMARY   ? THEME_ROLE_PRIMARY
                         : nd->role == FLEET_ROLE_UNKNOWN ? THEME_ROLE_WARN
                                                          : THEME_ROLE_NORMAL;
        roles[LN_STATE] =
            strcmp(nd->state, "started") == 0 ? THEME_ROLE_OK : THEME_ROLE_WARN;
        roles[LN_CHECKS] = (size_t)nd->checks_passing == nd->n_checks
                               ? THEME_ROLE_OK
                               : THEME_ROLE_WARN;
        roles[LN_LAG] =
            nd->lag_state == FLEET_LAG_MISSING
                ? THEME_ROLE_CRIT
                : draw_lag_role(a, nd->lag_replay_bytes, nd->lag_ms);
        roles[LN_USED] = draw_disk_role(a, nd->volume.used_pct);
    }
    draw_row(a, y, layout_node_cols, LN__COUNT, widths, cells, roles, selected,
             cols);
}

/* The ring's values in time order as doubles (owned by the caller). */
static void view_cluster_ring(const struct fleet_ring *r, double **v, size_t *n)
{
    size_t i;
    int64_t t, x;

    *v = x_calloc(r->n + 1, sizeof **v);
    *n = 0;
    for (i = 0; i < r->n; i++)
        if (derive_ring_at(r, i, &t, &x) == 0)
            (*v)[(*n)++] = (double)x;
}

/* Two lines: the replay lag and the disk use of ND over time. */
static void view_cluster_sparks(struct app *a, const struct fleet_node *nd,
                                int y, int cols)
{
    struct buf b = BUF_INIT, s = BUF_INIT;
    double *v;
    size_t n;
    int label = 26, w = cols - label - 1;
    char b1[UI_FMT_CAP];

    if (w < 8)
        return;
    view_cluster_ring(&nd->lag_hist, &v, &n);
    buf_printf(&b, " lag %-8.8s now %s", nd->id,
               format_bytes(nd->lag_replay_bytes, b1, sizeof b1));
    draw_text(a, y, 0, label, THEME_ROLE_MUTED, buf_str(&b));
    spark_line(&s, v, n, (size_t)w, 0, a->utf8);
    draw_text(a, y, label + 1, w, THEME_ROLE_SPARK, buf_str(&s));
    free(v);
    buf_reset(&b);
    buf_reset(&s);
    view_cluster_ring(&nd->volume.used_hist, &v, &n);
    buf_printf(&b, " disk %-7.7s now %s", nd->id,
               format_bytes(nd->volume.used_bytes, b1, sizeof b1));
    draw_text(a, y + 1, 0, label, THEME_ROLE_MUTED, buf_str(&b));
    spark_line(&s, v, n, (size_t)w,
               nd->volume.total_bytes > 0 ? (double)nd->volume.total_bytes : 0,
               a->utf8);
    draw_text(a, y + 1, label + 1, w, THEME_ROLE_SPARK, buf_str(&s));
    free(v);
    buf_free(&b);
    buf_free(&s);
}

static void view_cluster_draw(struct app *a, const struct layout_areas *ar)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && a->cluster ? fleet_model_cluster(m, a->cluster) : NULL;
    int widths[LN__COUNT], y, visible, rows, table_h, bottom;
    size_t n = 0, i, *order;
    struct buf b = BUF_INIT;
    const char *titles[LN__COUNT];
    enum theme_role hr[LN__COUNT];

    for (y = ar->body_y; y < ar->body_y + ar->body_h; y++) {
        wmove(stdscr, y, 0);
        wclrtoeol(stdscr);
    }
    if (!c) {
        buf_printf(&b, "cluster %s: %s", a->cluster ? a->cluster : "?",
                   m && m->status != FLEET_STATUS_STARTING
                       ? "not found in this context"
                       : "loading...");
        draw_text(a, ar->body_y + 1, 2, ar->cols - 4, THEME_ROLE_STALE,
                  buf_str(&b));
        buf_free(&b);
        return;
    }
    /* Summary: verdict, quorum, primary region, version. */
    buf_printf(&b, " %s", fleet_verdict_name(c->verdict));
    draw_text(a, ar->body_y, 0, 14, draw_verdict_role((int)c->verdict),
              buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "quorum %d/%d in %s %s  members %d/%d ok  image %s%s%s",
               c->region_up, c->region_members,
               *c->primary_region ? c->primary_region : "?",
               c->quorum_ok ? "ok" : "LOST", c->members_ok, c->members_total,
               c->image_version && *c->image_version ? c->image_version : "?",
               c->mixed_versions ? " (mixed)" : "", c->ha ? "" : "  not HA");
    draw_text(a, ar->body_y, 14, ar->cols - 14,
              c->quorum_ok ? THEME_ROLE_NORMAL : THEME_ROLE_CRIT, buf_str(&b));
    if (c->api.stale) {
        buf_reset(&b);
        buf_printf(&b, "~ stale: %s",
                   c->api.reason ? c->api.reason : "no fresh data");
        draw_text(a, ar->body_y + 1, 1, ar->cols - 1, THEME_ROLE_STALE,
                  buf_str(&b));
    }
    table_fit(layout_node_cols, LN__COUNT, ar->cols, widths);
    for (i = 0; i < LN__COUNT; i++) {
        titles[i] = layout_node_cols[i].title;
        hr[i] = THEME_ROLE_HEADER;
    }
    draw_row(a, ar->body_y + 2, layout_node_cols, LN__COUNT, widths, titles, hr,
             0, ar->cols);
    order = view_cluster_order(a, c, &n);
    rows = (int)n;
    /* Table (at most half the body), sparklines (3), issues (the rest). */
    table_h = rows < ar->body_h / 2 ? rows : ar->body_h / 2;
    if (table_h < 1)
        table_h = 1;
    visible = table_h;
    draw_clamp(a, APP_VIEW_CLUSTER, rows, visible);
    for (i = (size_t)a->top[APP_VIEW_CLUSTER];
         i < n && (int)i < a->top[APP_VIEW_CLUSTER] + visible; i++)
        view_cluster_node_row(a, &c->nodes[order[i]], widths,
                              ar->body_y + 3 + (int)i -
                                  a->top[APP_VIEW_CLUSTER],
                              (int)i == a->sel[APP_VIEW_CLUSTER], ar->cols);
    if (n == 0)
        draw_text(a, ar->body_y + 3, 2, ar->cols - 4, THEME_ROLE_STALE,
                  a->filter[1] ? "no node matches the filter" : "no nodes");
    y = ar->body_y + 3 + table_h + 1;
    if (n > 0 && a->sel[APP_VIEW_CLUSTER] < (int)n) {
        view_cluster_sparks(a, &c->nodes[order[a->sel[APP_VIEW_CLUSTER]]], y,
                            ar->cols);
        y += 3;
    }
    bottom = ar->body_y + ar->body_h;
    buf_reset(&b);
    buf_printf(&b, " ISSUES (%zu)%s", c->n_issues,
               c->n_issues ? "" : ": none detected");
    if (y < bottom)
        draw_text(a, y++, 0, ar->cols, THEME_ROLE_HEADER, buf_str(&b));
    for (i = 0; i < c->n_issues && y < bottom; i++) {
        const struct fleet_issue *is = &c->issues[i];
        enum theme_role r = is->severity == FLEET_SEV_CRIT ? THEME_ROLE_CRIT
                            : is->severity == FLEET_SEV_WARN
                                ? THEME_ROLE_WARN
                                : THEME_ROLE_NORMAL;

        buf_reset(&b);
        buf_printf(&b, " %s %s",
                   is->severity == FLEET_SEV_CRIT   ? "!!"
                   : is->severity == FLEET_SEV_WARN ? "! "
                                                    : "- ",
                   is->text);
        if (is->action_text && *is->action_text)
            buf_printf(&b, "  -> %s", is->action_text);
        draw_text(a, y++, 0, ar->cols, r, buf_str(&b));
    }
    free(order);
    buf_free(&b);
}

const struct view_ops view_cluster_ops = {"cluster", KEYS_VIEW_CLUSTER,
                                          view_cluster_draw, view_cluster_rows};
