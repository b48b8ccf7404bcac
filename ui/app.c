#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "src/cache.h"
#include "src/cli.h"
#include "src/context.h"
#include "src/fleet.h"
#include "src/http.h"
#include "src/log.h"
#include "src/loop.h"
#include "src/machines.h"
#include "src/platform.h"
#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/act.h"
#include "ui/app.h"
#include "ui/curses_compat.h"
#include "ui/drill.h"
#include "ui/palette.h"
#include "ui/sqlpane.h"
#include "ui/term.h"
#include "ui/ui.h"

#define APP_FLASH_MS 4000
/* The cache is written after a complete round, at most this often. */
#define APP_CACHE_EVERY_MS 10000

static void app_disconnect(struct app *a);
static void app_start_fleet(struct app *a);
static void app_on_platform(const struct platform_result *r, void *arg);
static void app_on_change(void *arg);
static void app_on_tty(struct loop *l, int fd, int events, void *arg);
static void app_on_signal(struct loop *l, int signo, void *arg);
static void app_before_sleep(struct loop *l, void *arg);
static void app_flash_clear(struct loop *l, uint64_t id, void *arg);
static int app_colors_allowed(const struct settings *s);

int64_t app_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const struct fleet_model *app_model(const struct app *a)
{
    return a->fleet ? fleet_model(a->fleet) : a->snapshot;
}

/* Reads the cache of A->ctx into A->snapshot (a small local file, once per
 * connect, like the config): the first frame is drawn from it, stale. */
static void app_cache_load(struct app *a)
{
    char *cause = NULL;

    fleet_model_free(a->snapshot);
    a->snapshot = NULL;
    free(a->cache_path);
    a->cache_path = cache_path(a->ctx->name);
    a->cache_saved_ms = loop_now_ms();
    a->cache_round = 0;
    if (!a->cache_path)
        return;
    a->snapshot = cache_load(a->cache_path, &cause);
    if (!a->snapshot) {
        log_msg("ui: cache: %s", cause);
        free(cause);
    }
}

/* Writes the model after a complete fresh round, at most every
 * APP_CACHE_EVERY_MS (FORCE: whenever there is an unsaved round, at
 * exit).  Called from the fleet's change callback (a timer), never while
 * drawing. */
static void app_cache_save(struct app *a, int force)
{
    const struct fleet_model *m = a->fleet ? fleet_model(a->fleet) : NULL;
    int64_t now = loop_now_ms();
    char *cause = NULL;

    if (!m || !a->cache_path || m->rounds == a->cache_round ||
        m->status != FLEET_STATUS_OK || m->from_cache)
        return;
    if (!force && now - a->cache_saved_ms < APP_CACHE_EVERY_MS &&
        a->cache_round != 0)
        return;
    a->cache_round = m->rounds;
    a->cache_saved_ms = now;
    if (cache_save(m, a->cache_path, &cause) != 0) {
        log_msg("ui: cache: %s", cause);
        free(cause);
    }
}

static void app_flash_clear(struct loop *l, uint64_t id, void *arg)
{
    struct app *a = arg;

    (void)l;
    (void)id;
    a->flash_timer = 0;
    free(a->flash);
    a->flash = NULL;
    a->dirty |= APP_DIRTY_STATUS;
}

int app_selected(struct app *a, const char *what,
                 const struct fleet_cluster **c, const char **node)
{
    const struct fleet_model *m = app_model(a);
    const char *cluster = NULL;
    size_t n = 0, *order;

    *c = NULL;
    *node = NULL;
    if (!m) {
        app_flash(a, 1, "%s: no data yet (connecting)", what);
        return -1;
    }
    if (a->view == APP_VIEW_FLEET) {
        order = view_fleet_order(a, m, &n);
        if (a->sel[APP_VIEW_FLEET] < (int)n)
            cluster = m->clusters[order[a->sel[APP_VIEW_FLEET]]].name;
        free(order);
    } else if (a->view == APP_VIEW_CLUSTER || a->view == APP_VIEW_NODE) {
        cluster = a->cluster;
    }
    *c = cluster ? fleet_model_cluster(m, cluster) : NULL;
    if (!*c) {
        app_flash(a, 1, "%s: no cluster selected", what);
        return -1;
    }
    if (a->view == APP_VIEW_CLUSTER) {
        order = view_cluster_order(a, *c, &n);
        if (a->sel[APP_VIEW_CLUSTER] < (int)n)
            *node = (*c)->nodes[order[a->sel[APP_VIEW_CLUSTER]]].id;
        free(order);
    } else if (a->view == APP_VIEW_NODE) {
        *node = a->node;
    }
    return 0;
}

void app_flash(struct app *a, int err, const char *fmt, ...)
{
    va_list ap;

    free(a->flash);
    va_start(ap, fmt);
    a->flash = x_vasprintf(fmt, ap);
    va_end(ap);
    a->flash_err = err;
    if (a->flash_timer)
        loop_timer_cancel(a->loop, a->flash_timer);
    a->flash_timer = loop_timer_add(a->loop, APP_FLASH_MS, app_flash_clear, a);
    a->dirty |= APP_DIRTY_STATUS;
}

/* NO_COLOR (non-empty), CLICOLOR=0, color = false / --no-color. */
static int app_colors_allowed(const struct settings *s)
{
    const char *nc = getenv("NO_COLOR"), *cc = getenv("CLICOLOR");

    if (nc && *nc)
        return 0;
    if (cc && strcmp(cc, "0") == 0)
        return 0;
    return settings_num(s, SETTINGS_COLOR) != 0;
}

int app_set_theme(struct app *a, const char *name, char **cause)
{
    struct theme t;

    if (theme_load(name, &t, cause) != 0)
        return -1;
    a->theme = t;
    if (term_active()) {
        palette_apply(&a->theme, a->color);
        a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
    }
    return 0;
}

static void app_on_change(void *arg)
{
    struct app *a = arg;
    const struct fleet_model *m = app_model(a);

    a->dirty |= APP_DIRTY_BODY | APP_DIRTY_TITLE | APP_DIRTY_STATUS;
    if (m && a->trace && m->rounds != a->rounds) {
        a->rounds = m->rounds;
        fprintf(a->trace, "round %llu %lld\n", (unsigned long long)m->rounds,
                (long long)app_now_us());
        fflush(a->trace);
    }
    app_cache_save(a, 0);
}

static void app_start_fleet(struct app *a)
{
    char *cause = NULL;

    if (http_new_context(a->loop, a->ctx, a->s, &a->http, &cause) != 0) {
        free(a->connect_msg);
        a->connect_msg = x_asprintf("context %s: %s", a->ctx->name, cause);
        a->connect_err = 1;
        free(cause);
        a->dirty |= APP_DIRTY_ALL;
        return;
    }
    if (http_new_graphql(a->loop, a->ctx, NULL, a->s, &a->graphql, &cause) !=
        0) {
        /* A restore's GraphQL steps then fail, saying so. */
        log_msg("ui: no GraphQL client: %s", cause);
        free(cause);
        cause = NULL;
    }
    a->machines = machines_new(a->http);
    a->fleet = fleet_new(a->loop, a->machines, a->ctx, a->s, NULL);
    fleet_adopt(a->fleet, a->snapshot); /* the first frame: the cache */
    a->snapshot = NULL;
    fleet_set_on_change(a->fleet, app_on_change, a);
    fleet_set_focus(a->fleet, a->view == APP_VIEW_FLEET ? NULL : a->cluster);
    if (a->paused)
        fleet_set_paused(a->fleet, 1);
    fleet_start(a->fleet);
    free(a->connect_msg);
    a->connect_msg = NULL;
    a->connect_err = 0;
    a->dirty |= APP_DIRTY_ALL;
}

static void app_on_platform(const struct platform_result *r, void *arg)
{
    struct app *a = arg;

    if (!r->ok) {
        free(a->connect_msg);
        a->connect_msg = x_asprintf("local platform: %s",
                                    r->error ? r->error : "not answering");
        a->connect_err = 1;
        a->dirty |= APP_DIRTY_ALL;
        return;
    }
    app_start_fleet(a);
}

/* Frees the fleet, the API client and any platform start in progress. */
static void app_disconnect(struct app *a)
{
    app_cache_save(a, 1);
    fleet_free(a->fleet);
    a->fleet = NULL;
    machines_free(a->machines);
    a->machines = NULL;
    http_free(a->graphql);
    a->graphql = NULL;
    http_free(a->http);
    a->http = NULL;
    platform_free(a->platform);
    a->platform = NULL;
}

void app_connect(struct app *a)
{
    app_disconnect(a);
    act_scan(a);
    app_cache_load(a);
    a->model_gen = 0;
    free(a->connect_msg);
    a->connect_err = 0;
    if (a->ctx->error) {
        a->connect_msg =
            x_asprintf("context %s: %s", a->ctx->name, a->ctx->error);
        a->connect_err = 1;
        a->dirty |= APP_DIRTY_ALL;
        return;
    }
    if (a->ctx->token == SETTINGS_TOKEN_PLATFORM) {
        a->connect_msg = x_strdup("connecting to the local platform "
                                  "(starting pgdeck-platformd if needed)");
        a->platform = platform_ensure(a->loop, NULL, PLATFORM_AUTOSTART,
                                      app_on_platform, a);
    } else {
        a->connect_msg = NULL;
        app_start_fleet(a);
    }
    a->dirty |= APP_DIRTY_ALL;
}

int app_switch_context(struct app *a, const char *name)
{
    const struct context *c = context_find(a->set, name);
    size_t i;

    if (!act_may_switch(a))
        return -1;
    if (!c) {
        struct buf names = BUF_INIT;

        for (i = 0; i < a->set->n; i++)
            buf_printf(&names, "%s%s", i ? ", " : "", a->set->v[i].name);
        app_flash(a, 1, "no context \"%s\" (contexts: %s)", name,
                  buf_str(&names));
        buf_free(&names);
        return -1;
    }
    sqlpane_free(a); /* its session and history belong to the old context */
    a->ctx = c;
    free(a->cluster);
    a->cluster = NULL;
    free(a->node);
    a->node = NULL;
    a->view = APP_VIEW_FLEET;
    memset(a->sel, 0, sizeof a->sel);
    memset(a->top, 0, sizeof a->top);
    app_connect(a);
    app_flash(a, 0, "context %s", c->name);
    return 0;
}

static void app_on_tty(struct loop *l, int fd, int events, void *arg)
{
    struct app *a = arg;
    int ch;

    (void)l;
    (void)fd;
    if (events & LOOP_ERROR) {
        /* The terminal went away (hangup): nothing left to draw on; a
         * plan in flight stays resumable. */
        act_detach(a);
        loop_del_fd(a->loop, STDIN_FILENO);
        a->quit = 1;
        loop_stop(a->loop);
        return;
    }
    while ((ch = wgetch(stdscr)) != ERR) {
        if (a->trace && a->key_us == 0)
            a->key_us = app_now_us();
        input_key(a, ch);
        if (a->quit) {
            loop_stop(a->loop);
            return;
        }
    }
}

static void app_on_signal(struct loop *l, int signo, void *arg)
{
    struct app *a = arg;
    struct winsize ws;

    if (signo == SIGWINCH) {
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
            ws.ws_col > 0)
            resizeterm(ws.ws_row, ws.ws_col);
        a->dirty |= APP_DIRTY_ALL | APP_DIRTY_CLEAR;
        return;
    }
    log_msg("ui: signal %d: quitting", signo);
    /* A plan in flight is detached: its journal stays for resume. */
    act_detach(a);
    a->quit = 1;
    a->exit_code = CLI_EXIT_FAILED;
    loop_stop(l);
}

static void app_before_sleep(struct loop *l, void *arg)
{
    struct app *a = arg;
    const struct fleet_model *m = app_model(a);

    (void)l;
    if (a->quit)
        return;
    act_tick(a);
    if (m && m->generation != a->model_gen) {
        a->model_gen = m->generation;
        a->dirty |= APP_DIRTY_BODY | APP_DIRTY_TITLE | APP_DIRTY_STATUS;
    }
    if (!a->dirty)
        return; /* nothing changed: not one byte to the terminal */
    draw_frame(a);
    if (a->trace && a->key_us) {
        fprintf(a->trace, "key->draw %lld\n",
                (long long)(app_now_us() - a->key_us));
        fflush(a->trace);
        a->key_us = 0;
    }
}

int ui_run(const struct cli *cli, struct settings *s, struct context_set *set)
{
    static const int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct app a;
    char *cause = NULL;
    const char *trace = getenv("PGDECK_UI_TRACE");
    const char *cs;
    size_t i;
    int rc;

    (void)cli;
    memset(&a, 0, sizeof a);
    a.s = s;
    a.set = set;
    a.ctx = context_current(set);
    a.color = app_colors_allowed(s);
    derive_limits_from_settings(s, &a.lim);
    /* LC_CTYPE only: numbers (JSON, libconfig) keep the C locale. */
    setlocale(LC_CTYPE, "");
    cs = nl_langinfo(CODESET);
    a.utf8 = !settings_num(s, SETTINGS_ASCII) && cs && strcmp(cs, "UTF-8") == 0;
    if (app_set_theme(&a, a.color ? settings_str(s, SETTINGS_THEME) : "mono",
                      &cause) != 0) {
        fprintf(stderr, "pgdeck: %s\n", cause);
        free(cause);
        return CLI_EXIT_FAILED;
    }
    if (trace && *trace) {
        a.trace = fopen(trace, "a");
        if (!a.trace) {
            fprintf(stderr, "pgdeck: PGDECK_UI_TRACE: cannot open %s\n", trace);
            return CLI_EXIT_FAILED;
        }
    }
    if (term_start(&cause) != 0) {
        fprintf(stderr, "pgdeck: %s\n", cause);
        free(cause);
        if (a.trace)
            fclose(a.trace);
        return CLI_EXIT_USAGE;
    }
    /* Without colors in the terminal, mono whatever the theme says. */
    if (!has_colors())
        a.color = 0;
    if (!a.color)
        theme_load("mono", &a.theme, NULL);
    palette_apply(&a.theme, a.color);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);

    a.keys = keys_new(s);
    a.loop = loop_new();
    act_init(&a);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        loop_on_signal(a.loop, sigs[i], app_on_signal, &a, NULL);
    loop_add_fd(a.loop, STDIN_FILENO, LOOP_READ, app_on_tty, &a);
    loop_set_before_sleep(a.loop, app_before_sleep, &a);
    a.dirty = APP_DIRTY_ALL | APP_DIRTY_CLEAR;
    app_connect(&a);

    rc = loop_run(a.loop, &cause);
    act_free(&a); /* before the API client: detaches a plan in flight */
    sqlpane_free(&a);
    drillui_free(&a); /* cancels a drill in flight */
    app_disconnect(&a);
    fleet_model_free(a.snapshot);
    free(a.cache_path);
    term_stop();
    if (rc != 0) {
        fprintf(stderr, "pgdeck: %s\n", cause);
        free(cause);
        a.exit_code = CLI_EXIT_FAILED;
    }
    loop_set_before_sleep(a.loop, NULL, NULL);
    loop_free(a.loop);
    keys_free(a.keys);
    for (i = 0; i < 2; i++) {
        filter_free(a.filter[i]);
        free(a.filter_text[i]);
    }
    buf_free(&a.line);
    free(a.flash);
    free(a.cluster);
    free(a.node);
    free(a.connect_msg);
    if (a.trace)
        fclose(a.trace);
    return a.exit_code;
}
