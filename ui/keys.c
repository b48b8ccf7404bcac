#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "ui/curses_compat.h"
#include "ui/keys.h"

#define KEYS_MAX 6

struct keys_def {
    int views;
    const char *help;
    const char *keys[KEYS_MAX]; /* as the config file writes them */
};

#define V_LIST (KEYS_VIEW_FLEET | KEYS_VIEW_CLUSTER)
#define V_SUB (KEYS_VIEW_CLUSTER | KEYS_VIEW_NODE | KEYS_VIEW_HELP)
#define V_NODES (KEYS_VIEW_CLUSTER | KEYS_VIEW_NODE)

static const struct keys_def keys_defs[SETTINGS_ACTION__COUNT] = {
    [SETTINGS_ACTION_QUIT] = {KEYS_VIEW_ALL, "quit", {"q"}},
    [SETTINGS_ACTION_HELP] = {KEYS_VIEW_ALL, "this help", {"?", "F1"}},
    [SETTINGS_ACTION_FILTER] = {V_LIST,
                                "filter rows: region:R role:R text "
                                "(empty clears)",
                                {"/"}},
    [SETTINGS_ACTION_COMMAND] = {KEYS_VIEW_ALL,
                                 "command: :clusters :cluster NAME :ctx NAME "
                                 ":theme NAME :q",
                                 {":"}},
    [SETTINGS_ACTION_REFRESH] = {KEYS_VIEW_ALL, "refresh now", {"r", "C-r"}},
    [SETTINGS_ACTION_PAUSE] = {KEYS_VIEW_ALL, "pause / resume updates", {"Z"}},
    [SETTINGS_ACTION_FASTER] = {KEYS_VIEW_ALL, "refresh more often", {"-"}},
    [SETTINGS_ACTION_SLOWER] = {KEYS_VIEW_ALL, "refresh less often", {"+"}},
    [SETTINGS_ACTION_DRILL] = {V_LIST, "open the selected row", {"Enter"}},
    [SETTINGS_ACTION_BACK] = {V_SUB, "back", {"Esc", "-"}},
    [SETTINGS_ACTION_TOP] = {KEYS_VIEW_ALL, "first row", {"g", "Home"}},
    [SETTINGS_ACTION_BOTTOM] = {KEYS_VIEW_ALL, "last row", {"G", "End"}},
    [SETTINGS_ACTION_PAGE_UP] = {KEYS_VIEW_ALL, "page up", {"PgUp"}},
    [SETTINGS_ACTION_PAGE_DOWN] = {KEYS_VIEW_ALL, "page down", {"PgDn"}},
    [SETTINGS_ACTION_UP] = {KEYS_VIEW_ALL, "up", {"k", "Up"}},
    [SETTINGS_ACTION_DOWN] = {KEYS_VIEW_ALL, "down", {"j", "Down"}},
    [SETTINGS_ACTION_LEFT] = {V_SUB, "back (like Esc)", {"h", "Left"}},
    [SETTINGS_ACTION_RIGHT] = {V_LIST, "open (like Enter)", {"l", "Right"}},
    [SETTINGS_ACTION_REDRAW] = {KEYS_VIEW_ALL, "redraw the screen", {"C-l"}},
    [SETTINGS_ACTION_ACTIONS] = {KEYS_VIEW_FLEET | V_NODES,
                                 "actions menu; shows the running plan",
                                 {"a", "F9"}},
    [SETTINGS_ACTION_SQL] = {KEYS_VIEW_FLEET | V_NODES,
                             "SQL pane on the primary (fleet) or the "
                             "selected node",
                             {"p"}},
    [SETTINGS_ACTION_PSQL] = {KEYS_VIEW_FLEET | V_NODES,
                              "psql on the primary (fleet) or the selected "
                              "node",
                              {"P"}},
    [SETTINGS_ACTION_HA_WIZARD] = {V_LIST,
                                   "HA wizard: a 1- or 2-node cluster to 3 "
                                   "members in its primary region",
                                   {"H"}},
    [SETTINGS_ACTION_SNAPSHOTS] = {KEYS_VIEW_FLEET | V_NODES,
                                   "volume snapshots of the cluster: take "
                                   "one, restore one as a new cluster",
                                   {"b"}},
    [SETTINGS_ACTION_DRILLS] = {KEYS_VIEW_FLEET | V_NODES,
                                "incident drills on the cluster (local "
                                "platform only): run one, reset",
                                {"D"}},
    [SETTINGS_ACTION_SORT_NEXT] = {V_LIST, "sort by the next column", {"s"}},
    [SETTINGS_ACTION_SORT_REVERSE] = {V_LIST, "reverse the sort", {"S"}},
};

struct keys {
    struct settings_key k[SETTINGS_ACTION__COUNT][KEYS_MAX];
    int n[SETTINGS_ACTION__COUNT];
};

static int keys_same(const struct settings_key *a,
                     const struct settings_key *b);
static int keys_match(const struct settings_key *key, int ch);
static int keys_shadowed(const struct keys *k, enum settings_action a,
                         const struct settings_key *key, int view);

static int keys_same(const struct settings_key *a, const struct settings_key *b)
{
    return a->kind == b->kind && a->code == b->code;
}

struct keys *keys_new(const struct settings *s)
{
    struct keys *k = x_calloc(1, sizeof *k);
    int overridden[SETTINGS_ACTION__COUNT] = {0};
    size_t i, nb = s ? settings_binding_count(s) : 0;
    int a, j;

    for (a = 0; a < SETTINGS_ACTION__COUNT; a++)
        for (j = 0; j < KEYS_MAX && keys_defs[a].keys[j]; j++) {
            if (settings_key_parse(keys_defs[a].keys[j], &k->k[a][k->n[a]],
                                   NULL) != 0)
                fatalx("keys: bad default key %s", keys_defs[a].keys[j]);
            k->n[a]++;
        }
    for (i = 0; i < nb; i++) {
        const struct settings_binding *b = settings_binding_at(s, i);
        int o;

        if (!overridden[b->action]) {
            overridden[b->action] = 1;
            k->n[b->action] = 0;
        }
        /* The key leaves every other action. */
        for (o = 0; o < SETTINGS_ACTION__COUNT; o++) {
            if (o == (int)b->action)
                continue;
            for (j = 0; j < k->n[o]; j++)
                if (keys_same(&k->k[o][j], &b->key)) {
                    memmove(&k->k[o][j], &k->k[o][j + 1],
                            (size_t)(k->n[o] - j - 1) * sizeof k->k[o][0]);
                    k->n[o]--;
                    j--;
                }
        }
        if (k->n[b->action] < KEYS_MAX)
            k->k[b->action][k->n[b->action]++] = b->key;
    }
    return k;
}

void keys_free(struct keys *k)
{
    free(k);
}

int keys_code(const struct settings_key *key)
{
    static const int named[SETTINGS_KEYNAME__COUNT] = {
        [SETTINGS_KEYNAME_ENTER] = '\r',
        [SETTINGS_KEYNAME_ESC] = 27,
        [SETTINGS_KEYNAME_TAB] = '\t',
        [SETTINGS_KEYNAME_BACKTAB] = KEY_BTAB,
        [SETTINGS_KEYNAME_BACKSPACE] = KEY_BACKSPACE,
        [SETTINGS_KEYNAME_SPACE] = ' ',
        [SETTINGS_KEYNAME_UP] = KEY_UP,
        [SETTINGS_KEYNAME_DOWN] = KEY_DOWN,
        [SETTINGS_KEYNAME_LEFT] = KEY_LEFT,
        [SETTINGS_KEYNAME_RIGHT] = KEY_RIGHT,
        [SETTINGS_KEYNAME_HOME] = KEY_HOME,
        [SETTINGS_KEYNAME_END] = KEY_END,
        [SETTINGS_KEYNAME_PAGE_UP] = KEY_PPAGE,
        [SETTINGS_KEYNAME_PAGE_DOWN] = KEY_NPAGE,
        [SETTINGS_KEYNAME_INSERT] = KEY_IC,
        [SETTINGS_KEYNAME_DELETE] = KEY_DC,
    };

    switch (key->kind) {
    case SETTINGS_KEY_CHAR:
        return key->code;
    case SETTINGS_KEY_CTRL:
        return key->code & 0x1f;
    case SETTINGS_KEY_FN:
        return KEY_F(key->code);
    case SETTINGS_KEY_NAMED:
        if (key->code >= 0 && key->code < SETTINGS_KEYNAME__COUNT)
            return named[key->code];
        break;
    }
    return -1;
}

/* Whether curses code CH is KEY (with Enter's and Backspace's aliases). */
static int keys_match(const struct settings_key *key, int ch)
{
    int code = keys_code(key);

    if (code == ch)
        return 1;
    if (code == '\r' && (ch == '\n' || ch == KEY_ENTER))
        return 1;
    if (code == KEY_BACKSPACE && (ch == 127 || ch == 8))
        return 1;
    return 0;
}

int keys_lookup(const struct keys *k, int ch, int view)
{
    int pass, a, j;

    /* Pass 0: actions limited to some views; pass 1: the rest. */
    for (pass = 0; pass < 2; pass++)
        for (a = 0; a < SETTINGS_ACTION__COUNT; a++) {
            int limited = keys_defs[a].views != KEYS_VIEW_ALL;

            if (!(keys_defs[a].views & view) || limited != (pass == 0))
                continue;
            for (j = 0; j < k->n[a]; j++)
                if (keys_match(&k->k[a][j], ch))
                    return a;
        }
    return -1;
}

/* Whether KEY of action A runs another action in VIEW. */
static int keys_shadowed(const struct keys *k, enum settings_action a,
                         const struct settings_key *key, int view)
{
    return keys_lookup(k, keys_code(key), view) != (int)a;
}

char *keys_text(const struct keys *k, enum settings_action action, int view)
{
    struct buf b = BUF_INIT;
    int j;

    buf_puts(&b, "");
    for (j = 0; j < k->n[action]; j++) {
        char *t;

        if (keys_shadowed(k, action, &k->k[action][j], view))
            continue;
        t = settings_key_format(&k->k[action][j]);
        if (b.len > 0)
            buf_puts(&b, ", ");
        buf_puts(&b, t);
        free(t);
    }
    return buf_steal(&b);
}

const char *keys_help_line(enum settings_action action)
{
    return (unsigned)action < SETTINGS_ACTION__COUNT ? keys_defs[action].help
                                                     : "";
}

int keys_applies(enum settings_action action, int view)
{
    return (unsigned)action < SETTINGS_ACTION__COUNT &&
           (keys_defs[action].views & view) != 0;
}

void keys_help(const struct keys *k, int view, struct buf *out)
{
    int a;

    for (a = 0; a < SETTINGS_ACTION__COUNT; a++) {
        char *t;

        if (!(keys_defs[a].views & view))
            continue;
        t = keys_text(k, (enum settings_action)a, view);
        buf_printf(out, "  %-12s %s\n", *t ? t : "(unbound)",
                   keys_defs[a].help);
        free(t);
    }
}
