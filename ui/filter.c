#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/filter.h"

enum filter_key { FILTER_TEXT, FILTER_REGION, FILTER_ROLE, FILTER_STATE };

static const char *const filter_keys[] = {"region", "role", "state"};

struct filter_term {
    enum filter_key key;
    int negate;
    char **values; /* lower case */
    size_t n_values;
};

struct filter {
    struct filter_term *terms;
    size_t n;
};

static char *filter_lower(const char *s, size_t n);
static int filter_ci_contains(const char *hay, const char *needle);
static int filter_any(const struct filter_term *t, const char *const *v,
                      size_t n, int substring);
static int filter_term_parse(struct filter_term *t, const char *w, size_t len,
                             char **cause);

static char *filter_lower(const char *s, size_t n)
{
    char *r = x_strndup(s, n);
    size_t i;

    for (i = 0; r[i]; i++)
        r[i] = (char)tolower((unsigned char)r[i]);
    return r;
}

/* Case-insensitive substring (NEEDLE is lower case already). */
static int filter_ci_contains(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle), i, j;

    if (nn == 0)
        return 1;
    for (i = 0; i + nn <= hn; i++) {
        for (j = 0; j < nn; j++)
            if (tolower((unsigned char)hay[i + j]) != needle[j])
                break;
        if (j == nn)
            return 1;
    }
    return 0;
}

static int filter_term_parse(struct filter_term *t, const char *w, size_t len,
                             char **cause)
{
    const char *colon = memchr(w, ':', len), *v, *end = w + len;

    memset(t, 0, sizeof *t);
    if (len > 0 && *w == '!') {
        t->negate = 1;
        w++;
        len--;
    }
    if (len == 0) {
        if (cause)
            *cause = x_strdup("'!' needs a term after it (!region:ams, !db)");
        return -1;
    }
    if (!colon) {
        t->key = FILTER_TEXT;
        t->values = x_calloc(1, sizeof *t->values);
        t->values[0] = filter_lower(w, len);
        t->n_values = 1;
        return 0;
    }
    {
        char *k = filter_lower(w, (size_t)(colon - w));
        size_t i;

        for (i = 0; i < 3; i++)
            if (strcmp(k, filter_keys[i]) == 0)
                break;
        if (i == 3) {
            const char *hint = settings_suggest(k, filter_keys, 3);

            if (cause)
                *cause = x_asprintf("unknown filter key \"%s\"%s%s%s "
                                    "(keys: region, role, state)",
                                    k, hint ? " (did you mean \"" : "",
                                    hint ? hint : "", hint ? "\"?)" : "");
            free(k);
            return -1;
        }
        free(k);
        t->key = (enum filter_key)(FILTER_REGION + i);
    }
    for (v = colon + 1; v < end;) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        size_t n = comma ? (size_t)(comma - v) : (size_t)(end - v);

        if (n > 0) {
            t->values =
                x_reallocarray(t->values, t->n_values + 1, sizeof *t->values);
            t->values[t->n_values++] = filter_lower(v, n);
        }
        v += n + (comma ? 1 : 0);
    }
    if (t->n_values == 0) {
        if (cause)
            *cause = x_asprintf("\"%.*s\" needs a value (e.g. %s)", (int)len, w,
                                t->key == FILTER_REGION ? "region:iad"
                                : t->key == FILTER_ROLE ? "role:replica"
                                                        : "state:started");
        free(t->values);
        return -1;
    }
    return 0;
}

int filter_parse(const char *text, struct filter **out, char **cause)
{
    struct filter *f = x_calloc(1, sizeof *f);
    const char *p = text;

    *out = NULL;
    while (*p) {
        size_t len;

        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, " \t");
        if (len == 0)
            break;
        f->terms = x_reallocarray(f->terms, f->n + 1, sizeof *f->terms);
        if (filter_term_parse(&f->terms[f->n], p, len, cause) != 0) {
            filter_free(f);
            return -1;
        }
        f->n++;
        p += len;
    }
    if (f->n == 0) {
        filter_free(f);
        return 0;
    }
    *out = f;
    return 0;
}

void filter_free(struct filter *f)
{
    size_t i, j;

    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        for (j = 0; j < f->terms[i].n_values; j++)
            free(f->terms[i].values[j]);
        free(f->terms[i].values);
    }
    free(f->terms);
    free(f);
}

/* Whether any of the N strings V matches any value of T. */
static int filter_any(const struct filter_term *t, const char *const *v,
                      size_t n, int substring)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (!v[i])
            continue;
        for (j = 0; j < t->n_values; j++) {
            if (substring ? filter_ci_contains(v[i], t->values[j])
                          : strlen(v[i]) == strlen(t->values[j]) &&
                                filter_ci_contains(v[i], t->values[j]))
                return 1;
        }
    }
    return 0;
}

int filter_match(const struct filter *f, const struct filter_subject *s)
{
    size_t i;

    if (!f)
        return 1;
    for (i = 0; i < f->n; i++) {
        const struct filter_term *t = &f->terms[i];
        int hit = 0;

        switch (t->key) {
        case FILTER_TEXT:
            hit = filter_any(t, s->texts, s->n_texts, 1);
            break;
        case FILTER_REGION:
            hit = filter_any(t, s->regions, s->n_regions, 0);
            break;
        case FILTER_ROLE:
            hit = filter_any(t, s->roles, s->n_roles, 0);
            break;
        case FILTER_STATE:
            hit = filter_any(t, s->states, s->n_states, 0);
            break;
        }
        if (hit == t->negate)
            return 0;
    }
    return 1;
}
