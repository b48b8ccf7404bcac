#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/fleet.h"

#include "ui/app.h"
#include "ui/command.h"
#include "ui/curses_compat.h"
#include "ui/format.h"
#include "ui/sqlpane.h"

static void view_text_lines(struct app *a, struct buf *out);
static void view_node_lines(struct app *a, struct buf *out);
static void view_help_lines(struct app *a, struct buf *out);
static int view_text_count(const char *text);
static void view_text_draw(struct app *a, const struct layout_areas *ar);
static int view_text_rows(struct app *a);
static void view_node_time(int64_t ms, char *out, size_t cap);

static void view_node_time(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms <= 0) {
        snprintf(out, cap, "-");
        return;
    }
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void view_node_lines(struct app *a, struct buf *out)
{
    const struct fleet_model *m = app_model(a);
    const struct fleet_cluster *c =
        m && a->cluster ? fleet_model_cluster(m, a->cluster) : NULL;
    const struct fleet_node *nd =
        c && a->node ? fleet_cluster_node(c, a->node) : NULL;
    char b1[UI_FMT_CAP], b2[UI_FMT_CAP], b3[UI_FMT_CAP], b4[UI_FMT_CAP], t[40];
    size_t i;

    if (!nd) {
        buf_printf(out, " node %s: not in cluster %s (any more)\n",
                   a->node ? a->node : "?", a->cluster ? a->cluster : "?");
        return;
    }
    buf_printf(out, " %c NODE %s (%s)  region %s%s\n", fleet_node_marker(nd),
               nd->id, nd->name, nd->region,
               nd->in_primary_region ? " (primary region)" : "");
    buf_printf(out, "   role %s (role check: %s)%s   state %s   host %s\n",
               fleet_role_name(nd->role),
               nd->check_role && *nd->check_role ? nd->check_role : "-",
               nd->role_disagree ? "  ! DISAGREE" : "", nd->state,
               nd->host_status && *nd->host_status ? nd->host_status : "-");
    if (nd->probe.stale)
        buf_printf(out, "   ~ SQL data stale: %s\n",
                   nd->probe.reason ? nd->probe.reason : "no answer");
    if (nd->api.stale)
        buf_printf(out, "   ~ API data stale: %s\n",
                   nd->api.reason ? nd->api.reason : "no answer");
    buf_puts(out, "\n CONFIG\n");
    buf_printf(out, "   image %s\n", nd->image ? nd->image : "-");
    buf_printf(
        out, "   version %s   guest %s x%d, %d MB   restart %s\n",
        nd->image_version && *nd->image_version ? nd->image_version : "-",
        nd->cpu_kind ? nd->cpu_kind : "-", nd->cpus, nd->memory_mb,
        nd->restart_policy && *nd->restart_policy ? nd->restart_policy : "-");
    view_node_time(nd->created_at_ms, t, sizeof t);
    buf_printf(out, "   created %s   private ip %s\n", t,
               nd->private_ip ? nd->private_ip : "-");
    buf_printf(
        out,
        "   volume %s %s %dG: used %s of %s (%s), fill %s/s, full "
        "in %s\n",
        *nd->volume.id ? nd->volume.id : "(none)",
        nd->volume.name ? nd->volume.name : "", nd->volume.size_gb,
        format_bytes(nd->volume.used_bytes, b1, sizeof b1),
        format_bytes(nd->volume.total_bytes, b2, sizeof b2),
        format_pct(nd->volume.used_pct, b3, sizeof b3),
        nd->volume.fill_rate < 0
            ? "-"
            : format_bytes((long long)nd->volume.fill_rate, b4, sizeof b4),
        nd->volume.eta_full_ms < 0
            ? "-"
            : format_eta(nd->volume.eta_full_ms / 1000, t, sizeof t));
    buf_puts(out, "\n SQL\n");
    buf_printf(out, "   timeline %lld   connections %d/%d   databases %s%s%s\n",
               (long long)nd->timeline, nd->connections, nd->max_connections,
               format_bytes(nd->db_size_bytes, b1, sizeof b1),
               nd->read_only ? "   READ-ONLY (fenced)" : "",
               nd->replay_paused ? "   WAL replay PAUSED" : "");
    if (nd->role == FLEET_ROLE_REPLICA)
        buf_printf(out,
                   "   replication %s (%s): behind sent %s write %s flush "
                   "%s replay %s, lag %s\n",
                   fleet_lag_state_name(nd->lag_state),
                   nd->repl_state && *nd->repl_state ? nd->repl_state : "-",
                   format_bytes(nd->lag_sent_bytes, b1, sizeof b1),
                   format_bytes(nd->lag_write_bytes, b2, sizeof b2),
                   format_bytes(nd->lag_flush_bytes, b3, sizeof b3),
                   format_bytes(nd->lag_replay_bytes, b4, sizeof b4),
                   format_duration(nd->lag_ms, t, sizeof t));
    for (i = 0; i < nd->n_slots; i++)
        buf_printf(out, "   slot %s (%s, %s): retains %s\n", nd->slots[i].name,
                   nd->slots[i].type,
                   nd->slots[i].active ? "active" : "INACTIVE",
                   format_bytes(nd->slots[i].retained_bytes, b1, sizeof b1));
    buf_printf(out, "\n CHECKS (%d/%zu passing)\n", nd->checks_passing,
               nd->n_checks);
    for (i = 0; i < nd->n_checks; i++) {
        const char *o = nd->checks[i].output ? nd->checks[i].output : "";

        buf_printf(out, "   %-8s %s\n", nd->checks[i].name,
                   nd->checks[i].status);
        while (*o) {
            size_t len = strcspn(o, "\n");

            if (len > 0)
                buf_printf(out, "       %.*s\n", (int)len, o);
            o += len;
            if (*o == '\n')
                o++;
        }
    }
    buf_printf(out, "\n EVENTS (newest first)\n");
    for (i = 0; i < nd->n_events; i++) {
        const struct fleet_event *e = &nd->events[i];

        view_node_time(e->at_ms, t, sizeof t);
        buf_printf(out, "   %s  %-8s %-10s %s", t, e->type, e->status,
                   e->source ? e->source : "");
        if (e->exit_code >= 0)
            buf_printf(out, "  exit %d", e->exit_code);
        if (e->oom_killed)
            buf_puts(out, "  OOM-killed");
        buf_putc(out, '\n');
    }
    if (nd->n_events == 0)
        buf_puts(out, "   (none)\n");
}

static void view_help_lines(struct app *a, struct buf *out)
{
    int kv = a->help_from == APP_VIEW_CLUSTER ? KEYS_VIEW_CLUSTER
             : a->help_from == APP_VIEW_NODE  ? KEYS_VIEW_NODE
                                              : KEYS_VIEW_FLEET;

    buf_printf(out,
               " HELP: keys of the %s view (rebind them in the keys "
               "group of the config file)\n\n",
               a->help_from == APP_VIEW_CLUSTER ? "cluster"
               : a->help_from == APP_VIEW_NODE  ? "node"
                                                : "fleet");
    keys_help(a->keys, kv, out);
    buf_printf(out, "\n %s\n", command_summary());
    if (kv != KEYS_VIEW_NODE)
        buf_puts(out, " filter: region:iad  role:replica  state:started  "
                      "!negated  free text; all must hold\n");
    buf_puts(out, " markers: * primary  ? unreachable  ! role disagreement "
                  "or problem  ~ stale data\n");
    if (kv != KEYS_VIEW_HELP) {
        buf_puts(out, "\n ACTIONS (a or F9)\n");
        buf_puts(out, "   menu: Enter chooses (a disabled item says why), "
                      "Esc closes\n");
        buf_puts(out, "   low-risk plan: y runs it; Enter, n or Esc cancel "
                      "(Cancel is focused)\n");
        buf_puts(out, "   disruptive plan: type the cluster name, Enter "
                      "runs it; Esc cancels\n");
        buf_puts(out, "   running plan: Esc hides the panel (the title says "
                      "plan running), a shows it,\n");
        buf_puts(out, "     c cancels it after the step in flight (y/N)\n");
        buf_puts(out, "   interrupted plan at start: r resume, a abort, "
                      "l later\n");
        buf_puts(out, "   --read-only: every action refused before any "
                      "dialog\n");
    }
    if (kv != KEYS_VIEW_HELP)
        sqlpane_help(out);
    buf_puts(out, " Esc, - or ? closes this help\n");
}

static void view_text_lines(struct app *a, struct buf *out)
{
    if (a->view == APP_VIEW_HELP)
        view_help_lines(a, out);
    else
        view_node_lines(a, out);
}

static int view_text_count(const char *text)
{
    int n = 0;

    for (; *text; text++)
        if (*text == '\n')
            n++;
    return n;
}

static int view_text_rows(struct app *a)
{
    struct buf b = BUF_INIT;
    int n;

    view_text_lines(a, &b);
    n = view_text_count(buf_str(&b));
    buf_free(&b);
    return n;
}

/* sel is the first line shown (scrolling, not selecting). */
static void view_text_draw(struct app *a, const struct layout_areas *ar)
{
    struct buf b = BUF_INIT;
    const char *p;
    int line = 0, y, n, maxtop;

    for (y = ar->body_y; y < ar->body_y + ar->body_h; y++) {
        wmove(stdscr, y, 0);
        wclrtoeol(stdscr);
    }
    view_text_lines(a, &b);
    n = view_text_count(buf_str(&b));
    maxtop = n - ar->body_h > 0 ? n - ar->body_h : 0;
    if (a->sel[a->view] > maxtop)
        a->sel[a->view] = maxtop;
    y = ar->body_y;
    for (p = buf_str(&b); *p && y < ar->body_y + ar->body_h; line++) {
        size_t len = strcspn(p, "\n");

        if (line >= a->sel[a->view]) {
            struct buf l = BUF_INIT;
            enum theme_role r = THEME_ROLE_NORMAL;

            buf_append(&l, p, len);
            if (len > 1 && p[0] == ' ' && p[1] >= 'A' && p[1] <= 'Z' &&
                (len < 3 || (p[2] >= 'A' && p[2] <= 'Z')))
                r = THEME_ROLE_HEADER;
            else if (strstr(buf_str(&l), " ~ "))
                r = THEME_ROLE_STALE;
            draw_text(a, y++, 0, ar->cols, r, buf_str(&l));
            buf_free(&l);
        }
        p += len;
        if (*p == '\n')
            p++;
    }
    buf_free(&b);
}

const struct view_ops view_node_ops = {"node", KEYS_VIEW_NODE, view_text_draw,
                                       view_text_rows};
const struct view_ops view_help_ops = {"help", KEYS_VIEW_HELP, view_text_draw,
                                       view_text_rows};
