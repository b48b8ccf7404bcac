#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "src/api_json.h"
#include "src/buf.h"
#include "src/xmalloc.h"

/* Longest member name shown in a path; longer ones are cut. */
#define JSON_KEY_SHOWN 64
/* Longest bad value quoted in a message. */
#define JSON_VALUE_SHOWN 40
/* Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix milliseconds. */
#define JSON_ZERO_TIME_MS (-62135596800000LL)
/* Whole numbers beyond 2^53 do not survive cJSON's double. */
#define JSON_INT_LIMIT 9007199254740992LL

static int json_plain_key(const char *key);
static void json_path_key(struct buf *b, const char *key);
static void json_path(struct buf *b, const struct api_json *o);
static const cJSON *json_member(const struct api_json *o, const char *key);
static int json_number(const struct api_json *o, const char *key, int64_t min,
                       int64_t max, int64_t *out);
static size_t json_utf8_len(const unsigned char *p, size_t avail);

const char *api_cjson_type(const struct cJSON *v)
{
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

static int json_plain_key(const char *key)
{
    const char *p;

    if (*key == '\0')
        return 0;
    for (p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* ".key", or ["key"] for names that are not identifier-like. */
static void json_path_key(struct buf *b, const char *key)
{
    char *shown;

    if (json_plain_key(key)) {
        if (b->len > 0)
            buf_putc(b, '.');
        buf_puts(b, key);
        return;
    }
    shown = api_json_sanitize(key, strlen(key), JSON_KEY_SHOWN);
    buf_printf(b, "[\"%s\"]", shown);
    free(shown);
}

static void json_path(struct buf *b, const struct api_json *o)
{
    if (!o->up) {
        if (o->key)
            buf_puts(b, o->key);
        return;
    }
    json_path(b, o->up);
    if (o->key)
        json_path_key(b, o->key);
    else
        buf_printf(b, "[%zu]", o->index);
}

int api_json_fail(const struct api_json *o, const char *key, const char *fmt,
                  ...)
{
    struct buf b = BUF_INIT;
    va_list ap;

    if (!o->cause || *o->cause)
        return -1;
    json_path(&b, o);
    if (key)
        json_path_key(&b, key);
    if (b.len == 0)
        buf_puts(&b, "body");
    buf_puts(&b, ": ");
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    *o->cause = buf_steal(&b);
    return -1;
}

/* Whether TEXT (LEN bytes) ends inside a string or with a bracket still
 * open: the mark of a body cut short. */
static int api_json_unclosed(const char *text, size_t len)
{
    size_t i, depth = 0;
    int in_string = 0, escaped = 0;

    for (i = 0; i < len; i++) {
        char c = text[i];

        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return in_string || depth > 0;
}

cJSON *api_json_parse(const char *json, size_t len, const char *root,
                      struct api_json *top, char **err)
{
    const char *end = NULL;
    char *copy;
    cJSON *tree;

    memset(top, 0, sizeof *top);
    top->key = root;
    top->cause = err;
    if (!json || len == 0) {
        *err = x_strdup("empty body");
        return NULL;
    }
    if (len > API_MAX_BODY) {
        *err = x_asprintf("body of %zu bytes is larger than the limit of %u",
                          len, API_MAX_BODY);
        return NULL;
    }
    if (memchr(json, '\0', len)) {
        *err = x_strdup("invalid JSON: NUL byte in body");
        return NULL;
    }
    /* cJSON wants a terminated string; the body is a counted buffer. */
    copy = x_malloc(len + 1);
    memcpy(copy, json, len);
    copy[len] = '\0';
    tree = cJSON_ParseWithOpts(copy, &end, 1);
    if (!tree) {
        size_t at = end && end >= copy && end <= copy + len
                        ? (size_t)(end - copy)
                        : len;

        *err = x_asprintf(
            "invalid JSON at byte %zu of %zu%s", at, len,
            at >= len || api_json_unclosed(copy, len) ? " (truncated?)" : "");
    }
    free(copy);
    top->item = tree;
    return tree;
}

int api_json_end(cJSON *tree, int rc, char *err, char **cause)
{
    cJSON_Delete(tree);
    if (rc < 0 && !err)
        err = x_strdup("undecodable body");
    if (rc < 0 && cause)
        *cause = err;
    else
        free(err);
    return rc;
}

int api_json_decode_one(const char *json, size_t len, const char *root,
                        void *out, size_t size,
                        int (*body)(const struct api_json *top, void *dst),
                        void (*fini)(void *dst), char **cause)
{
    struct api_json top;
    char *err = NULL;
    cJSON *tree;
    int rc = -1;

    memset(out, 0, size);
    tree = api_json_parse(json, len, root, &top, &err);
    if (tree)
        rc = body(&top, out);
    if (rc < 0 && fini)
        fini(out);
    return api_json_end(tree, rc, err, cause);
}

int api_json_decode_list(const char *json, size_t len, const char *root,
                         size_t size,
                         int (*body)(const struct api_json *el, void *dst),
                         void (*fini)(void *dst), void **out, size_t *n,
                         char **cause)
{
    struct api_json top;
    char *err = NULL;
    cJSON *tree;
    int rc = -1;

    *out = NULL;
    *n = 0;
    tree = api_json_parse(json, len, root, &top, &err);
    if (tree)
        rc = api_json_objects(&top, NULL, size, body, fini, out, n);
    return api_json_end(tree, rc, err, cause);
}

void api_json_free_list(void *v, size_t n, size_t size, void (*fini)(void *dst))
{
    char *mem = v;
    size_t i;

    for (i = 0; mem && i < n; i++)
        fini(mem + i * size);
    free(v);
}

int api_json_want_object(const struct api_json *v)
{
    if (!cJSON_IsObject(v->item))
        return api_json_fail(v, NULL, "expected an object, got %s",
                             api_cjson_type(v->item));
    return 0;
}

int api_json_want_array(const struct api_json *v)
{
    if (!cJSON_IsArray(v->item))
        return api_json_fail(v, NULL, "expected an array, got %s",
                             api_cjson_type(v->item));
    return 0;
}

/* Member KEY of O, or NULL when missing or null. */
static const cJSON *json_member(const struct api_json *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o->item, key);

    return cJSON_IsNull(v) ? NULL : v;
}

int api_json_child(const struct api_json *o, const char *key,
                   struct api_json *child)
{
    const cJSON *v = json_member(o, key);

    memset(child, 0, sizeof *child);
    child->up = o;
    child->key = key;
    child->cause = o->cause;
    if (!v)
        return 0;
    if (!cJSON_IsObject(v))
        return api_json_fail(o, key, "expected an object, got %s",
                             api_cjson_type(v));
    child->item = v;
    return 1;
}

int api_json_str(const struct api_json *o, const char *key, char **out)
{
    return api_json_str_max(o, key, API_MAX_STRING, out);
}

int api_json_str_max(const struct api_json *o, const char *key, size_t max,
                     char **out)
{
    const cJSON *v = json_member(o, key);
    size_t n;

    if (!v) {
        *out = x_strdup("");
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return api_json_fail(o, key, "expected a string, got %s",
                             api_cjson_type(v));
    n = strlen(v->valuestring);
    if (n > max)
        return api_json_fail(o, key,
                             "string of %zu bytes is longer than the limit "
                             "of %zu",
                             n, max);
    *out = x_strdup(v->valuestring);
    return 0;
}

static int json_number(const struct api_json *o, const char *key, int64_t min,
                       int64_t max, int64_t *out)
{
    const cJSON *v = json_member(o, key);
    double d, frac;
    int64_t i;

    *out = 0;
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v))
        return api_json_fail(o, key, "expected a number, got %s",
                             api_cjson_type(v));
    d = v->valuedouble;
    if (min < -JSON_INT_LIMIT)
        min = -JSON_INT_LIMIT;
    if (max > JSON_INT_LIMIT)
        max = JSON_INT_LIMIT;
    /* Also false for NaN. */
    if (!(d >= (double)min && d <= (double)max))
        return api_json_fail(o, key, "number %g is out of range (%lld to %lld)",
                             d, (long long)min, (long long)max);
    i = (int64_t)d;
    frac = d - (double)i;
    if (frac < 0 || frac > 0)
        return api_json_fail(o, key, "expected a whole number, got %g", d);
    *out = i;
    return 0;
}

int api_json_int(const struct api_json *o, const char *key, int min, int max,
                 int *out)
{
    int64_t v;

    *out = 0;
    if (json_number(o, key, min, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int api_json_i64(const struct api_json *o, const char *key, int64_t min,
                 int64_t max, int64_t *out)
{
    return json_number(o, key, min, max, out);
}

int api_json_bool(const struct api_json *o, const char *key, int *out)
{
    const cJSON *v = json_member(o, key);

    *out = 0;
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return api_json_fail(o, key, "expected a boolean, got %s",
                             api_cjson_type(v));
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

int api_json_time(const struct api_json *o, const char *key, int64_t *ms)
{
    const cJSON *v = json_member(o, key);
    char *shown;

    *ms = 0;
    if (!v)
        return 0;
    if (cJSON_IsNumber(v))
        return json_number(o, key, -JSON_INT_LIMIT, JSON_INT_LIMIT, ms);
    if (!cJSON_IsString(v) || !v->valuestring)
        return api_json_fail(o, key, "expected a timestamp, got %s",
                             api_cjson_type(v));
    if (v->valuestring[0] == '\0')
        return 0;
    if (api_time_parse(v->valuestring, ms) < 0) {
        shown = api_json_sanitize(v->valuestring, strlen(v->valuestring),
                                  JSON_VALUE_SHOWN);
        api_json_fail(o, key, "expected an RFC3339 timestamp, got \"%s\"",
                      shown);
        free(shown);
        *ms = 0;
        return -1;
    }
    if (*ms == JSON_ZERO_TIME_MS)
        *ms = 0;
    return 0;
}

int api_json_duration(const struct api_json *o, const char *key, int64_t *ns)
{
    const cJSON *v = json_member(o, key);
    char *shown;

    *ns = 0;
    if (!v)
        return 0;
    if (cJSON_IsNumber(v))
        return json_number(o, key, -JSON_INT_LIMIT, JSON_INT_LIMIT, ns);
    if (!cJSON_IsString(v) || !v->valuestring)
        return api_json_fail(o, key, "expected a duration, got %s",
                             api_cjson_type(v));
    if (v->valuestring[0] == '\0')
        return 0;
    if (api_time_parse_duration(v->valuestring, ns) < 0) {
        shown = api_json_sanitize(v->valuestring, strlen(v->valuestring),
                                  JSON_VALUE_SHOWN);
        api_json_fail(o, key, "expected a duration like \"15s\", got \"%s\"",
                      shown);
        free(shown);
        *ns = 0;
        return -1;
    }
    return 0;
}

int api_json_map(const struct api_json *o, const char *key, struct api_map *out)
{
    struct api_json child;
    int rc;

    memset(out, 0, sizeof *out);
    rc = api_json_child(o, key, &child);
    if (rc <= 0)
        return rc;
    return api_json_map_self(&child, out);
}

int api_json_map_self(const struct api_json *o, struct api_map *out)
{
    const cJSON *it;
    size_t count = 0, i = 0;

    memset(out, 0, sizeof *out);
    if (api_json_want_object(o) < 0)
        return -1;
    for (it = o->item->child; it; it = it->next)
        if (++count > API_MAX_ITEMS)
            return api_json_fail(o, NULL, "more than %u entries",
                                 API_MAX_ITEMS);
    if (count == 0)
        return 0;
    out->items = x_calloc(count, sizeof *out->items);
    for (it = o->item->child; it; it = it->next, i++) {
        struct api_json el = {it, o, it->string ? it->string : "", 0, o->cause};
        size_t klen = strlen(el.key);

        out->n = i + 1;
        if (klen > API_MAX_STRING) {
            api_json_fail(o, NULL, "member name of %zu bytes is too long",
                          klen);
            break;
        }
        if (cJSON_IsNull(it)) {
            out->items[i].value = x_strdup("");
        } else if (!cJSON_IsString(it) || !it->valuestring) {
            api_json_fail(&el, NULL, "expected a string, got %s",
                          api_cjson_type(it));
            break;
        } else if (strlen(it->valuestring) > API_MAX_STRING) {
            api_json_fail(&el, NULL, "string longer than the limit of %u",
                          API_MAX_STRING);
            break;
        } else {
            out->items[i].value = x_strdup(it->valuestring);
        }
        out->items[i].key = x_strdup(el.key);
    }
    if (it) {
        api_map_free(out);
        return -1;
    }
    return 0;
}

int api_json_objects(const struct api_json *o, const char *key, size_t size,
                     int (*decode)(const struct api_json *el, void *dst),
                     void (*clear)(void *dst), void **out, size_t *n)
{
    struct api_json arr;
    const cJSON *it;
    size_t count = 0, i = 0, j;
    char *mem;

    *out = NULL;
    *n = 0;
    if (key) {
        const cJSON *v = json_member(o, key);

        if (!v)
            return 0;
        memset(&arr, 0, sizeof arr);
        arr.item = v;
        arr.up = o;
        arr.key = key;
        arr.cause = o->cause;
    } else {
        arr = *o;
    }
    if (api_json_want_array(&arr) < 0)
        return -1;
    for (it = arr.item->child; it; it = it->next)
        if (++count > API_MAX_ITEMS)
            return api_json_fail(&arr, NULL, "more than %u items",
                                 API_MAX_ITEMS);
    if (count == 0)
        return 0;
    mem = x_calloc(count, size);
    for (it = arr.item->child; it; it = it->next, i++) {
        struct api_json el = {it, &arr, NULL, i, arr.cause};

        if (api_json_want_object(&el) < 0 || decode(&el, mem + i * size) < 0)
            break;
    }
    if (it) {
        for (j = 0; j <= i && j < count; j++)
            clear(mem + j * size);
        free(mem);
        return -1;
    }
    *out = mem;
    *n = count;
    return 0;
}

/* Length of the valid UTF-8 sequence at P, or 0 when it is not one. */
static size_t json_utf8_len(const unsigned char *p, size_t avail)
{
    unsigned long cp;
    size_t n, i;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
        return 0;
    return n;
}

char *api_json_sanitize(const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    struct buf b = BUF_INIT;
    size_t i = 0, fit = 0, n;

    if (max < 4)
        max = 4;
    while (i < len && b.len <= max) {
        n = json_utf8_len(p + i, len - i);
        if (b.len + 3 <= max)
            fit = b.len; /* the last boundary that leaves room for "..." */
        if (n == 0) {
            buf_putc(&b, '?');
            n = 1;
        } else if (n == 1 && (p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) {
            buf_putc(&b, ' ');
        } else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            buf_putc(&b, '?');
        } else if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
            buf_putc(&b, '?'); /* C1 controls, U+0080 to U+009F */
        } else {
            buf_append(&b, p + i, n);
        }
        i += n;
    }
    if (b.len > max) {
        /* The loop stops early only after overshooting MAX. */
        b.len = fit;
        buf_puts(&b, "...");
    }
    return buf_steal(&b);
}
