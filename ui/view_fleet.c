#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/fleet.h"
#include "src/xmalloc.h"

#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/format.h"
#include "ui/spark.h"

enum { FS_NAME, FS_VERDICT, FS_LAG, FS_DISK, FS_REGION };

static const char *const view_fleet_sorts[VIEW_FLEET_SORTS] = {
    "name", "verdict", "lag", "disk", "region"};

static int view_fleet_rows(struct app *a);
static void view_fleet_draw(struct app *a, const struct layout_areas *ar);
static int view_fleet_matches(const struct app *a,
                              const struct fleet_cluster *c);
static char view_fleet_marker(const struct fleet_cluster *c);

/* qsort has no context argument: the sort of the call in progress. */
static const struct fleet_model *vf_model;
static int vf_sort, vf_rev;

static int view_fleet_cmp(const void *pa, const void *pb)
{
    const struct fleet_cluster *x = &vf_model->clusters[*(const size_t *)pa];
    const struct fleet_cluster *y = &vf_model->clusters[*(const size_t *)pb];
    int d = 0;

    switch (vf_sort) {
    case FS_VERDICT:
        d = (int)y->verdict - (int)x->verdict;
        break;
    case FS_LAG:
        d = y->worst_lag_bytes > x->worst_lag_bytes   ? 1
            : y->worst_lag_bytes < x->worst_lag_bytes ? -1
                                                      : 0;
        break;
    case FS_DISK:
        d = y->worst_used_pct > x->worst_used_pct   ? 1
            : y->worst_used_pct < x->worst_used_pct ? -1
                                                    : 0;
        break;
    case FS_REGION:
        d = strcmp(x->primary_region, y->primary_region);
        break;
    default:
        break;
    }
    if (d == 0)
        d = strcmp(x->name, y->name);
    return vf_rev ? -d : d;
}

const char *view_fleet_sort_name(int sort)
{
    return sort >= 0 && sort < VIEW_FLEET_SORTS ? view_fleet_sorts[sort] : "";
}

static int view_fleet_matches(const struct app *a,
                              const struct fleet_cluster *c)
{
    const char *texts[1], *states[1];
    const char **regions, **roles;
    struct filter_subject s;
    size_t i, nr = 0, nro = 0;
    int ok;

    if (!a->filter[0])
        return 1;
    regions = x_calloc(c->n_nodes + 1, sizeof *regions);
    roles = x_calloc(2 * c->n_nodes + 1, sizeof *roles);
    texts[0] = c->name;
    states[0] = fleet_verdict_name(c->verdict);
    regions[nr++] = c->primary_region;
    for (i = 0; i < c->n_nodes; i++) {
        regions[nr++] = c->nodes[i].region;
        roles[nro++] = fleet_role_name(c->nodes[i].role);
        if (c->nodes[i].check_role)
            roles[nro++] = c->nodes[i].check_role;
    }
    s.texts = texts;
    s.n_texts = 1;
    s.regions = regions;
    s.n_regions = nr;
    s.roles = roles;
    s.n_roles = nro;
    s.states = states;
    s.n_states = 1;
    ok = filter_match(a->filter[0], &s);
    free(regions);
    free(roles);
    return ok;
}

size_t *view_fleet_order(struct app *a, const struct fleet_model *m, size_t *n)
{
    size_t *order = x_calloc(m->n_clusters + 1, sizeof *order), i;

    *n = 0;
    for (i = 0; i < m->n_clusters; i++)
        if (view_fleet_matches(a, &m->clusters[i]))
            order[(*n)++] = i;
    vf_model = m;
    vf_sort = a->sort[0];
    vf_rev = a->sort_rev[0];
    qsort(order, *n, sizeof *order, view_fleet_cmp);
    vf_model = NULL;
    return order;
}

static int view_fleet_rows(struct app *a)
{
    const struct fleet_model *m = app_model(a);
    size_t n = 0;

    if (m)
        free(view_fleet_order(a, m, &n));
    return (int)n;
}

/* '?' unreachable, '!' critical issue or no quorum, '~' stale, ' '. */
static char view_fleet_marker(const struct fleet_cluster *c)
{
    size_t i;

    if (c->verdict == FLEET_VERDICT_UNREACHABLE)
        return '?';
    if (c->verdict == FLEET_VERDICT_NO_QUORUM ||
        c->verdict == FLEET_VERDICT_READ_ONLY)
        return '!';
    for (i = 0; i < c->n_issues; i++)
        if (c->issues[i].severity == FLEET_SEV_CRIT)
            return '!';
    if (c->api.stale)
        return '~';
    for (i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].probe.stale || c->nodes[i].api.stale)
            return '~';
    return ' ';
}

static void view_fleet_draw(struct app *a, const struct layout_areas *ar)
{
    const struct fleet_model *m = app_model(a);
    int widths[LF__COUNT], y, visible, rows;
    size_t n = 0, i, *order;
    struct buf gauge = BUF_INIT, lag = BUF_INIT, members = BUF_INIT,
               sum = BUF_INIT;

    for (y = ar->body_y; y < ar->body_y + ar->body_h; y++) {
        wmove(stdscr, y, 0);
        wclrtoeol(stdscr);
    }
    table_fit(layout_fleet_cols, LF__COUNT, ar->cols, widths);
    {
        const char *titles[LF__COUNT];
        enum theme_role hr[LF__COUNT];

        for (i = 0; i < LF__COUNT; i++) {
            titles[i] = layout_fleet_cols[i].title;
            hr[i] = THEME_ROLE_HEADER;
        }
        draw_row(a, ar->body_y, layout_fleet_cols, LF__COUNT, widths, titles,
                 hr, 0, ar->cols);
    }
    if (!m) {
        draw_text(a, ar->body_y + 2, 2, ar->cols - 4, THEME_ROLE_STALE,
                  "waiting for the platform...");
        return;
    }
    order = view_fleet_order(a, m, &n);
    rows = (int)n;
    visible = ar->body_h - 2; /* header, summary */
    draw_clamp(a, APP_VIEW_FLEET, rows, visible);
    for (i = (size_t)a->top[APP_VIEW_FLEET];
         i < n && (int)i < a->top[APP_VIEW_FLEET] + visible; i++) {
        const struct fleet_cluster *c = &m->clusters[order[i]];
        char mark[2] = {view_fleet_marker(c), 0};
        char used[UI_FMT_CAP], eta[UI_FMT_CAP], b1[UI_FMT_CAP], b2[UI_FMT_CAP];
        const char *cells[LF__COUNT];
        enum theme_role roles[LF__COUNT];
        int k;

        for (k = 0; k < LF__COUNT; k++)
            roles[k] = c->api.stale ? THEME_ROLE_STALE : THEME_ROLE_NORMAL;
        buf_reset(&members);
        buf_printf(&members, "%d/%d %s", c->members_ok, c->members_total,
                   c->quorum_ok ? "Q" : "!Q");
        buf_reset(&lag);
        if (c->worst_lag_node < 0 || c->worst_lag_bytes < 0)
            buf_puts(&lag, c->members_total > 1 ? "-" : "no replica");
        else if (c->worst_lag_bytes == 0 && c->worst_lag_ms <= 0)
            buf_puts(&lag, "idle");
        else
            buf_printf(&lag, "%s %s",
                       format_bytes(c->worst_lag_bytes, b1, sizeof b1),
                       format_duration(c->worst_lag_ms, b2, sizeof b2));
        buf_reset(&gauge);
        spark_gauge(&gauge, c->worst_used_pct, (size_t)widths[LF_GAUGE],
                    a->utf8);
        cells[LF_MARK] = mark;
        cells[LF_NAME] = c->name;
        cells[LF_REGION] = c->primary_region;
        cells[LF_MEMBERS] = buf_str(&members);
        cells[LF_ROLES] = c->role_map ? c->role_map : "";
        cells[LF_LAG] = buf_str(&lag);
        cells[LF_USED] = format_pct(c->worst_used_pct, used, sizeof used);
        cells[LF_GAUGE] = buf_str(&gauge);
        cells[LF_ETA] = format_eta(
            c->worst_eta_full_ms < 0 ? -1 : c->worst_eta_full_ms / 1000, eta,
            sizeof eta);
        cells[LF_VERSION] = c->image_version ? c->image_version : "";
        cells[LF_VERDICT] = fleet_verdict_name(c->verdict);
        if (!c->quorum_ok)
            roles[LF_MEMBERS] = THEME_ROLE_CRIT;
        roles[LF_LAG] = draw_lag_role(a, c->worst_lag_bytes, c->worst_lag_ms);
        roles[LF_USED] = draw_disk_role(a, c->worst_used_pct);
        roles[LF_GAUGE] =
            roles[LF_USED] == THEME_ROLE_CRIT   ? THEME_ROLE_GAUGE_CRIT
            : roles[LF_USED] == THEME_ROLE_WARN ? THEME_ROLE_GAUGE_WARN
                                                : THEME_ROLE_GAUGE_OK;
        roles[LF_VERDICT] = draw_verdict_role(c->verdict);
        roles[LF_MARK] = mark[0] == ' ' ? THEME_ROLE_NORMAL : THEME_ROLE_CRIT;
        draw_row(a, ar->body_y + 1 + (int)i - a->top[APP_VIEW_FLEET],
                 layout_fleet_cols, LF__COUNT, widths, cells, roles,
                 (int)i == a->sel[APP_VIEW_FLEET], ar->cols);
    }
    if (n == 0)
        draw_text(a, ar->body_y + 2, 2, ar->cols - 4, THEME_ROLE_STALE,
                  m->status == FLEET_STATUS_STARTING ? "loading the clusters..."
                  : a->filter[0] ? "no cluster matches the filter"
                                 : "no Postgres cluster in this org");
    {
        size_t nodes = 0;

        for (i = 0; i < m->n_clusters; i++)
            nodes += m->clusters[i].n_nodes;
        buf_printf(&sum, "%zu cluster%s, %zu node%s", m->n_clusters,
                   m->n_clusters == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
        if (n != m->n_clusters)
            buf_printf(&sum, ", %zu shown", n);
        if (m->n_skipped > 0)
            buf_printf(&sum, "; %zu non-Postgres app%s not shown", m->n_skipped,
                       m->n_skipped == 1 ? "" : "s");
        if (m->n_unknown > 0)
            buf_printf(&sum, "; %zu app%s not listed (%s: %s)", m->n_unknown,
                       m->n_unknown == 1 ? "" : "s", m->unknown_apps[0].name,
                       m->unknown_apps[0].reason);
        buf_printf(&sum, "; sort: %s%s", view_fleet_sorts[a->sort[0]],
                   a->sort_rev[0] ? " (reversed)" : "");
        buf_puts(&sum, "; markers: ? unreachable ! problem ~ stale");
        draw_text(a, ar->body_y + ar->body_h - 1, 0, ar->cols, THEME_ROLE_MUTED,
                  buf_str(&sum));
    }
    free(order);
    buf_free(&gauge);
    buf_free(&lag);
    buf_free(&members);
    buf_free(&sum);
}

const struct view_ops view_fleet_ops = {"fleet", KEYS_VIEW_FLEET,
                                        view_fleet_draw, view_fleet_rows};
