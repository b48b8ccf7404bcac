#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/ids.h"

static const char ids_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char ids_lower36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char ids_alnum62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const ids_adjectives[] = {
    "aged",      "ancient",   "autumn",   "billowing", "bitter",   "black",
    "blue",      "bold",      "broken",   "cold",      "cool",     "crimson",
    "damp",      "dark",      "dawn",     "delicate",  "divine",   "dry",
    "empty",     "falling",   "fancy",    "floral",    "fragrant", "frosty",
    "gentle",    "green",     "hidden",   "holy",      "icy",      "jolly",
    "late",      "lingering", "little",   "lively",    "long",     "misty",
    "morning",   "muddy",     "nameless", "old",       "patient",  "polished",
    "proud",     "purple",    "quiet",    "quirky",    "red",      "restless",
    "rough",     "shy",       "silent",   "small",     "snowy",    "solitary",
    "sparkling", "spring",    "still",    "summer",    "twilight", "wandering",
    "weathered", "white",     "wild",     "winter",    "wispy",    "withered",
    "young"};
static const char *const ids_nouns[] = {
    "bird",    "breeze",    "brook",  "bush",      "butterfly", "cherry",
    "cloud",   "darkness",  "dawn",   "dew",       "dream",     "dust",
    "feather", "field",     "fire",   "firefly",   "flower",    "fog",
    "forest",  "frog",      "frost",  "glade",     "glitter",   "grass",
    "haze",    "hill",      "lake",   "leaf",      "meadow",    "moon",
    "morning", "mountain",  "night",  "paper",     "pine",      "pond",
    "rain",    "resonance", "river",  "sea",       "shadow",    "shape",
    "silence", "sky",       "smoke",  "snow",      "snowflake", "sound",
    "star",    "sun",       "sunset", "surf",      "thunder",   "tree",
    "violet",  "voice",     "water",  "waterfall", "wave",      "wildflower",
    "wind",    "wood"};

void ids_random(void *p, size_t n)
{
    unsigned char *q = p;

    while (n > 0) {
        ssize_t got = getrandom(q, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            fatal("getrandom");
        }
        q += got;
        n -= (size_t)got;
    }
}

char *ids_hex(size_t nbytes)
{
    unsigned char *raw = x_malloc(nbytes);
    char *out = x_malloc(nbytes * 2 + 1);
    size_t i;

    ids_random(raw, nbytes);
    for (i = 0; i < nbytes; i++) {
        out[i * 2] = "0123456789abcdef"[raw[i] >> 4];
        out[i * 2 + 1] = "0123456789abcdef"[raw[i] & 15];
    }
    out[nbytes * 2] = '\0';
    x_wipe(raw, nbytes);
    free(raw);
    return out;
}

static char *ids_from_alphabet(const char *prefix, const char *alpha,
                               size_t alen, size_t n)
{
    size_t plen = strlen(prefix);
    char *out = x_malloc(plen + n + 1);
    unsigned char r[64];
    size_t i;

    if (n > sizeof r)
        fatalx("ids: id too long");
    ids_random(r, n);
    memcpy(out, prefix, plen);
    for (i = 0; i < n; i++)
        out[plen + i] = alpha[r[i] % alen];
    out[plen + n] = '\0';
    return out;
}

char *ids_machine(void)
{
    char *h = ids_hex(7);

    return h;
}

long long ids_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *ids_ulid(long long ms)
{
    unsigned char r[10];
    unsigned char bytes[16];
    char *out = x_malloc(27);
    unsigned long long t;
    int i, bit;

    if (ms < 0)
        ms = ids_now_ms();
    t = (unsigned long long)ms & 0xffffffffffffULL;
    for (i = 0; i < 6; i++)
        bytes[i] = (unsigned char)(t >> (8 * (5 - i)));
    ids_random(r, sizeof r);
    memcpy(bytes + 6, r, sizeof r);
    /* 128 bits as 26 base32 chars: the first char carries the top 3 bits
     * (two leading zero bits of padding). */
    for (i = 0; i < 26; i++) {
        int v = 0, k;

        bit = i * 5 - 2;
        for (k = 0; k < 5; k++, bit++) {
            v <<= 1;
            if (bit >= 0 && (bytes[bit / 8] >> (7 - bit % 8)) & 1)
                v |= 1;
        }
        out[i] = ids_crockford[v];
    }
    out[26] = '\0';
    return out;
}

int ids_is_ulid(const char *s)
{
    size_t i;

    if (!s || strlen(s) != 26)
        return 0;
    if (s[0] > '7')
        return 0;
    for (i = 0; i < 26; i++)
        if (!strchr(ids_crockford, s[i]) || s[i] == '\0')
            return 0;
    return 1;
}

char *ids_app(void)
{
    return ids_from_alphabet("", ids_lower36, 36, 16);
}

char *ids_volume(void)
{
    return ids_from_alphabet("vol_", ids_lower36, 36, 16);
}

char *ids_snapshot(void)
{
    return ids_from_alphabet("vs_", ids_alnum62, 62, 25);
}

char *ids_nonce(void)
{
    return ids_hex(6);
}

char *ids_zone(void)
{
    return ids_hex(2);
}

char *ids_name(void)
{
    unsigned char r[4];
    size_t na = sizeof ids_adjectives / sizeof ids_adjectives[0];
    size_t nn = sizeof ids_nouns / sizeof ids_nouns[0];
    unsigned num;

    ids_random(r, sizeof r);
    num = 1000 + (unsigned)((r[2] << 8 | r[3]) % 9000);
    return x_asprintf("%s-%s-%u", ids_adjectives[r[0] % na],
                      ids_nouns[r[1] % nn], num);
}

void ids_rfc3339(long long ms, int with_ms, char *out, size_t len)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char base[32];

    gmtime_r(&secs, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (with_ms)
        snprintf(out, len, "%s.%03dZ", base, (int)(ms % 1000));
    else
        snprintf(out, len, "%sZ", base);
}

long long ids_parse_rfc3339(const char *s)
{
    struct tm tm;
    const char *end;
    long long ms = 0;
    time_t t;

    if (!s)
        return -1;
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return -1;
    if (*end == '.') {
        int digits = 0;

        end++;
        while (*end >= '0' && *end <= '9') {
            if (digits < 3) {
                ms = ms * 10 + (*end - '0');
                digits++;
            }
            end++;
        }
        while (digits++ < 3)
            ms *= 10;
    }
    if (*end != 'Z' && strcmp(end, "+00:00") != 0)
        return -1;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return (long long)t * 1000 + ms;
}
