#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/settings.h"
#include "src/xmalloc.h"

/* Parsers of the string forms of values: pure functions, no libconfig. */

struct settings_unit {
    const char *name;
    long long factor;
};

static const struct settings_unit settings_duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {NULL, 0}};

static const struct settings_unit settings_size_units[] = {
    {"", 1},           {"b", 1},           {"k", 1LL << 10},
    {"kb", 1LL << 10}, {"kib", 1LL << 10}, {"m", 1LL << 20},
    {"mb", 1LL << 20}, {"mib", 1LL << 20}, {"g", 1LL << 30},
    {"gb", 1LL << 30}, {"gib", 1LL << 30}, {"t", 1LL << 40},
    {"tb", 1LL << 40}, {"tib", 1LL << 40}, {NULL, 0}};

static const char *const settings_keynames[SETTINGS_KEYNAME__COUNT] = {
    "Enter", "Esc",   "Tab",  "BTab", "Backspace", "Space", "Up",     "Down",
    "Left",  "Right", "Home", "End",  "PgUp",      "PgDn",  "Insert", "Delete"};

/* Other spellings accepted for the names above. */
static const struct {
    const char *alias;
    enum settings_keyname name;
} settings_keyaliases[] = {
    {"return", SETTINGS_KEYNAME_ENTER},
    {"escape", SETTINGS_KEYNAME_ESC},
    {"backtab", SETTINGS_KEYNAME_BACKTAB},
    {"s-tab", SETTINGS_KEYNAME_BACKTAB},
    {"bs", SETTINGS_KEYNAME_BACKSPACE},
    {"pageup", SETTINGS_KEYNAME_PAGE_UP},
    {"ppage", SETTINGS_KEYNAME_PAGE_UP},
    {"pagedown", SETTINGS_KEYNAME_PAGE_DOWN},
    {"npage", SETTINGS_KEYNAME_PAGE_DOWN},
    {"ins", SETTINGS_KEYNAME_INSERT},
    {"del", SETTINGS_KEYNAME_DELETE},
};

static int settings_parse_scaled(const char *text,
                                 const struct settings_unit *units,
                                 long long *out);
static int settings_ipv4_loopback(const char *host, size_t len);

/* A whole number followed by one of UNITS (case-insensitive). */
static int settings_parse_scaled(const char *text,
                                 const struct settings_unit *units,
                                 long long *out)
{
    const char *p = text;
    long long n;
    char *end;
    size_t i;

    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    errno = 0;
    n = strtoll(p, &end, 10);
    if (errno != 0 || n < 0)
        return -1;
    while (*end == ' ')
        end++;
    for (i = 0; units[i].name; i++) {
        if (strcasecmp(end, units[i].name) != 0)
            continue;
        if (n > LLONG_MAX / units[i].factor)
            return -1;
        *out = n * units[i].factor;
        return 0;
    }
    return -1;
}

int settings_parse_duration(const char *text, long long *ms)
{
    long long v;

    /* "1m" is a minute here, never a megabyte or a millisecond. */
    if (settings_parse_scaled(text, settings_duration_units, &v) != 0)
        return -1;
    *ms = v;
    return 0;
}

int settings_parse_size(const char *text, long long *bytes)
{
    long long v;

    if (settings_parse_scaled(text, settings_size_units, &v) != 0)
        return -1;
    *bytes = v;
    return 0;
}

char *settings_format_duration(long long ms)
{
    long long s;

    if (ms % 1000 != 0)
        return x_asprintf("%lldms", ms);
    s = ms / 1000;
    if (s != 0 && s % 3600 == 0)
        return x_asprintf("%lldh", s / 3600);
    if (s != 0 && s % 60 == 0)
        return x_asprintf("%lldm", s / 60);
    return x_asprintf("%llds", s);
}

char *settings_format_size(long long bytes)
{
    static const char *const names[] = {"TB", "GB", "MB", "kB"};
    int i;

    for (i = 0; i < 4; i++) {
        long long f = 1LL << (10 * (4 - i));

        if (bytes != 0 && bytes % f == 0)
            return x_asprintf("%lld%s", bytes / f, names[i]);
    }
    return x_asprintf("%lldB", bytes);
}

int settings_key_parse(const char *text, struct settings_key *key, char **cause)
{
    size_t len = strlen(text);
    const char *why = NULL;
    size_t i;
    char *end;
    long n;

    if (len == 1 && text[0] == ' ') {
        key->kind = SETTINGS_KEY_NAMED;
        key->code = SETTINGS_KEYNAME_SPACE;
        return 0;
    }
    if (len == 1 && text[0] > ' ' && text[0] < 0x7f) {
        key->kind = SETTINGS_KEY_CHAR;
        key->code = text[0];
        return 0;
    }
    if (len == 3 && (text[0] == 'C' || text[0] == 'c') && text[1] == '-' &&
        isalpha((unsigned char)text[2])) {
        int c = tolower((unsigned char)text[2]);

        /* Keys the terminal driver or the tty keeps for itself, and
         * aliases of named keys, would never reach the action. */
        if (c == 'c')
            why = "C-c is the terminal's interrupt key";
        else if (c == 'z')
            why = "C-z is the terminal's suspend key";
        else if (c == 's' || c == 'q')
            why = "C-s and C-q are the terminal's flow control keys";
        else if (c == 'm' || c == 'j')
            why = "C-m and C-j are the same key as Enter: write \"Enter\"";
        else if (c == 'i')
            why = "C-i is the same key as Tab: write \"Tab\"";
        if (!why) {
            key->kind = SETTINGS_KEY_CTRL;
            key->code = c;
            return 0;
        }
    }
    if (!why && len >= 2 && len <= 3 && (text[0] == 'F' || text[0] == 'f') &&
        isdigit((unsigned char)text[1])) {
        errno = 0;
        n = strtol(text + 1, &end, 10);
        if (errno == 0 && *end == '\0' && n >= 1 && n <= 12 && text[1] != '0') {
            key->kind = SETTINGS_KEY_FN;
            key->code = (int)n;
            return 0;
        }
    }
    for (i = 0; !why && i < SETTINGS_KEYNAME__COUNT; i++) {
        if (strcasecmp(text, settings_keynames[i]) == 0) {
            key->kind = SETTINGS_KEY_NAMED;
            key->code = (int)i;
            return 0;
        }
    }
    for (i = 0;
         !why && i < sizeof settings_keyaliases / sizeof settings_keyaliases[0];
         i++) {
        if (strcasecmp(text, settings_keyaliases[i].alias) == 0) {
            key->kind = SETTINGS_KEY_NAMED;
            key->code = settings_keyaliases[i].name;
            return 0;
        }
    }
    if (cause) {
        if (why)
            *cause = x_asprintf("%s; choose another key", why);
        else
            *cause = x_asprintf(
                "expected one character, \"C-x\" (Ctrl and a letter), "
                "F1..F12, or a key name (Enter, Esc, Tab, BTab, Backspace, "
                "Space, Up, Down, Left, Right, Home, End, PgUp, PgDn, "
                "Insert, Delete), got \"%s\"",
                text);
    }
    return -1;
}

char *settings_key_format(const struct settings_key *key)
{
    switch (key->kind) {
    case SETTINGS_KEY_CHAR:
        return x_asprintf("%c", key->code);
    case SETTINGS_KEY_CTRL:
        return x_asprintf("C-%c", key->code);
    case SETTINGS_KEY_FN:
        return x_asprintf("F%d", key->code);
    case SETTINGS_KEY_NAMED:
        if (key->code >= 0 && key->code < SETTINGS_KEYNAME__COUNT)
            return x_strdup(settings_keynames[key->code]);
        break;
    }
    return x_strdup("?");
}

int settings_name_valid(const char *name)
{
    size_t i, len = strlen(name);

    if (len == 0 || len > 63 || name[0] == '-' || name[0] == '.')
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return 0;
    }
    return 1;
}

int settings_envname_valid(const char *name)
{
    size_t i, len = strlen(name);

    if (len == 0 || len > 255 || isdigit((unsigned char)name[0]))
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!(isascii(c) && (isalnum(c) || c == '_')))
            return 0;
    }
    return 1;
}

/* Whether HOST (LEN bytes) is a dotted quad in 127.0.0.0/8. */
static int settings_ipv4_loopback(const char *host, size_t len)
{
    char tmp[16];
    const char *p = tmp;
    int parts = 0;

    if (len >= sizeof tmp)
        return 0;
    memcpy(tmp, host, len);
    tmp[len] = '\0';
    while (*p) {
        char *end;
        long v;

        if (!isdigit((unsigned char)*p))
            return 0;
        errno = 0;
        v = strtol(p, &end, 10);
        if (errno != 0 || v < 0 || v > 255 || end - p > 3)
            return 0;
        if (parts == 0 && v != 127)
            return 0;
        parts++;
        p = end;
        if (*p == '.' && parts < 4)
            p++;
        else if (*p)
            return 0;
    }
    return parts == 4;
}

int settings_url_check(const char *url, char **normalized, char **cause)
{
    const char *rest, *host, *host_end, *auth_end, *p;
    size_t hlen, plen;
    int https;

    for (p = url; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            if (cause)
                *cause = x_strdup("the URL contains a space or a control "
                                  "character");
            return -1;
        }
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        https = 1;
        rest = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        https = 0;
        rest = url + 7;
    } else {
        if (cause)
            *cause = x_asprintf("expected a URL starting with https:// (or "
                                "http:// for a loopback host), got \"%s\"",
                                url);
        return -1;
    }
    auth_end = rest + strcspn(rest, "/?#");
    if (strpbrk(rest, "?#")) {
        if (cause)
            *cause = x_strdup("the API URL must not have a query or a "
                              "fragment (no '?' or '#')");
        return -1;
    }
    if (memchr(rest, '@', (size_t)(auth_end - rest))) {
        if (cause)
            *cause = x_strdup("the API URL must not carry a user or password "
                              "(no '@'): name the token source instead");
        return -1;
    }
    host = rest;
    if (*host == '[') {
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end)
            goto bad_host;
        host_end++;
    } else {
        host_end = host;
        while (host_end < auth_end && *host_end != ':')
            host_end++;
        for (p = host; p < host_end; p++)
            if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
                *p != '_')
                goto bad_host;
    }
    hlen = (size_t)(host_end - host);
    if (hlen == 0)
        goto bad_host;
    if (host_end < auth_end) {
        long port;
        char *end;

        if (*host_end != ':' || !isdigit((unsigned char)host_end[1]))
            goto bad_port;
        errno = 0;
        port = strtol(host_end + 1, &end, 10);
        if (errno != 0 || end != auth_end || port < 1 || port > 65535)
            goto bad_port;
    }
    if (!https && !(settings_ipv4_loopback(host, hlen) ||
                    (hlen == 9 && strncasecmp(host, "localhost", 9) == 0) ||
                    (hlen == 5 && memcmp(host, "[::1]", 5) == 0))) {
        if (cause)
            *cause = x_asprintf("http:// is only allowed for a loopback host "
                                "(127.0.0.0/8, [::1], localhost), not "
                                "\"%.*s\": use https://",
                                (int)hlen, host);
        return -1;
    }
    plen = strlen(auth_end);
    while (plen > 0 && auth_end[plen - 1] == '/')
        plen--;
    if (normalized)
        *normalized =
            x_asprintf("%s%.*s%.*s", https ? "https://" : "http://",
                       (int)(auth_end - rest), rest, (int)plen, auth_end);
    return 0;

bad_host:
    if (cause)
        *cause = x_asprintf("no valid host name in \"%s\"", url);
    return -1;
bad_port:
    if (cause)
        *cause = x_asprintf("bad port in \"%s\" (expected 1..65535)", url);
    return -1;
}

size_t settings_distance(const char *a, const char *b)
{
    /* Optimal string alignment: edits plus transpositions ("fsat"). */
    size_t la = strlen(a), lb = strlen(b), i, j, w = lb + 1;
    size_t *d = x_calloc((la + 1) * w, sizeof *d);
    size_t out;

    for (i = 0; i <= la; i++)
        d[i * w] = i;
    for (j = 0; j <= lb; j++)
        d[j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t best = d[(i - 1) * w + j - 1] + (a[i - 1] != b[j - 1]);

            if (d[(i - 1) * w + j] + 1 < best)
                best = d[(i - 1) * w + j] + 1;
            if (d[i * w + j - 1] + 1 < best)
                best = d[i * w + j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[(i - 2) * w + j - 2] + 1 < best)
                best = d[(i - 2) * w + j - 2] + 1;
            d[i * w + j] = best;
        }
    }
    out = d[la * w + lb];
    free(d);
    return out;
}

const char *settings_suggest(const char *word, const char *const *names,
                             size_t n)
{
    size_t i, best_d = (size_t)-1, limit = strlen(word) / 3;
    const char *best = NULL;

    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    for (i = 0; i < n; i++) {
        size_t d = settings_distance(word, names[i]);

        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
