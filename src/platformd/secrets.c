#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/xmalloc.h"

#include "src/platformd/ids.h"
#include "src/platformd/secrets.h"

/* The host the Consul URLs name.  Nothing ever connects to it: the
 * platform checks the URL's token itself at boot. */
#define SEC_CONSUL_HOST "consul.platformd.internal"

static void sec_wipe_str(char *s)
{
    if (s)
        x_wipe(s, strlen(s));
    free(s);
}

void sec_free(struct st_secrets *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].name);
        sec_wipe_str(s->v[i].value);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static void sec_copy(struct st_secrets *dst, const struct st_secrets *src)
{
    size_t i;

    sec_free(dst);
    dst->v = src->n ? x_calloc(src->n, sizeof *dst->v) : NULL;
    for (i = 0; i < src->n; i++) {
        dst->v[i] = src->v[i];
        dst->v[i].name = x_strdup(src->v[i].name);
        dst->v[i].value = x_strdup(src->v[i].value);
    }
    dst->n = src->n;
    dst->version = src->version;
}

static struct st_secret *sec_find(const struct st_secrets *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    return NULL;
}

const char *sec_get(const struct st_secrets *s, const char *name)
{
    const struct st_secret *x = sec_find(s, name);

    return x ? x->value : NULL;
}

int sec_name_ok(const char *name)
{
    size_t i;

    if (!name || !*name || strlen(name) > SEC_NAME_MAX ||
        isdigit((unsigned char)name[0]))
        return 0;
    for (i = 0; name[i]; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

long long sec_update(struct st_app *a, const cJSON *values, char **cause)
{
    const cJSON *it;
    long long now = ids_now_ms();

    if (!cJSON_IsObject(values)) {
        *cause = x_strdup("values must be an object of NAME: \"value\" or "
                          "NAME: null");
        return -1;
    }
    cJSON_ArrayForEach(it, values)
    {
        if (!sec_name_ok(it->string)) {
            *cause = x_asprintf("invalid secret name \"%.*s\": use 1-%d "
                                "letters, digits and _, not starting with "
                                "a digit",
                                SEC_NAME_MAX, it->string ? it->string : "",
                                SEC_NAME_MAX);
            return -1;
        }
        if (!cJSON_IsNull(it) && !cJSON_IsString(it)) {
            *cause = x_asprintf("the value of %s must be a string (or null "
                                "to unset it)",
                                it->string);
            return -1;
        }
        if (cJSON_IsString(it) && strlen(it->valuestring) > SEC_VALUE_MAX) {
            *cause = x_asprintf("the value of %s is over %d bytes", it->string,
                                SEC_VALUE_MAX);
            return -1;
        }
    }
    sec_copy(&a->prev, &a->secrets);
    cJSON_ArrayForEach(it, values)
    {
        struct st_secret *x = sec_find(&a->secrets, it->string);

        if (cJSON_IsNull(it)) {
            if (x) {
                size_t k = (size_t)(x - a->secrets.v);

                free(x->name);
                sec_wipe_str(x->value);
                a->secrets.n--;
                memmove(&a->secrets.v[k], &a->secrets.v[k + 1],
                        (a->secrets.n - k) * sizeof a->secrets.v[0]);
            }
            continue;
        }
        if (!x) {
            a->secrets.v = x_reallocarray(a->secrets.v, a->secrets.n + 1,
                                          sizeof *a->secrets.v);
            x = &a->secrets.v[a->secrets.n++];
            x->name = x_strdup(it->string);
            x->value = NULL;
            x->created_ms = now;
        }
        sec_wipe_str(x->value);
        x->value = x_strdup(it->valuestring);
        x->updated_ms = now;
    }
    a->secrets.version++;
    a->secrets_changed_ms = now;
    return a->secrets.version;
}

const struct st_secrets *sec_for_boot(const struct st_app *a, long long floor,
                                      long long now_ms)
{
    int spread = now_ms - a->secrets_changed_ms >= SEC_LAG_MS;

    if (spread || floor >= a->secrets.version ||
        a->prev.version != a->secrets.version - 1)
        return &a->secrets;
    return &a->prev;
}

/* FNV-1a, 64 bits, as 16 hex digits: tells two values apart, says nothing
 * of them. */
static void sec_digest(const char *value, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    const unsigned char *p;

    for (p = (const unsigned char *)value; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    (void)snprintf(out, 17, "%016llx", (unsigned long long)h);
}

cJSON *sec_render(const struct st_secret *x)
{
    cJSON *o = cJSON_CreateObject();
    char t[40], d[17];

    cJSON_AddStringToObject(o, "name", x->name);
    sec_digest(x->value, d);
    cJSON_AddStringToObject(o, "digest", d);
    ids_rfc3339(x->created_ms, 0, t, sizeof t);
    cJSON_AddStringToObject(o, "created_at", t);
    ids_rfc3339(x->updated_ms, 0, t, sizeof t);
    cJSON_AddStringToObject(o, "updated_at", t);
    return o;
}

static cJSON *sec_persist_set(const struct st_secrets *s)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "v");
    size_t i;

    cJSON_AddNumberToObject(o, "version", (double)s->version);
    for (i = 0; i < s->n; i++) {
        cJSON *x = cJSON_CreateObject();

        cJSON_AddStringToObject(x, "name", s->v[i].name);
        cJSON_AddStringToObject(x, "value", s->v[i].value);
        cJSON_AddNumberToObject(x, "created_ms", (double)s->v[i].created_ms);
        cJSON_AddNumberToObject(x, "updated_ms", (double)s->v[i].updated_ms);
        cJSON_AddItemToArray(arr, x);
    }
    return o;
}

cJSON *sec_persist(const struct st_app *a)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddItemToObject(o, "current", sec_persist_set(&a->secrets));
    cJSON_AddItemToObject(o, "prev", sec_persist_set(&a->prev));
    cJSON_AddNumberToObject(o, "changed_ms", (double)a->secrets_changed_ms);
    if (a->consul_token)
        cJSON_AddStringToObject(o, "consul_token", a->consul_token);
    if (a->consul_prefix)
        cJSON_AddStringToObject(o, "consul_prefix", a->consul_prefix);
    return o;
}

static long long sec_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void sec_load_set(struct st_secrets *s, const cJSON *o)
{
    const cJSON *it;

    sec_free(s);
    s->version = sec_num(o, "version");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "v"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        struct st_secret *x;

        if (!cJSON_IsString(n) || !cJSON_IsString(v) ||
            !sec_name_ok(n->valuestring))
            continue;
        s->v = x_reallocarray(s->v, s->n + 1, sizeof *s->v);
        x = &s->v[s->n++];
        x->name = x_strdup(n->valuestring);
        x->value = x_strdup(v->valuestring);
        x->created_ms = sec_num(it, "created_ms");
        x->updated_ms = sec_num(it, "updated_ms");
    }
}

void sec_load(struct st_app *a, const cJSON *o)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "consul_token");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "consul_prefix");

    if (!cJSON_IsObject(o))
        return;
    sec_load_set(&a->secrets, cJSON_GetObjectItemCaseSensitive(o, "current"));
    sec_load_set(&a->prev, cJSON_GetObjectItemCaseSensitive(o, "prev"));
    a->secrets_changed_ms = sec_num(o, "changed_ms");
    if (cJSON_IsString(t) && cJSON_IsString(p)) {
        a->consul_token = x_strdup(t->valuestring);
        a->consul_prefix = x_strdup(p->valuestring);
    }
}

/* Adds NAME: VALUE (or a new random value when VALUE is NULL) to O. */
static void sec_add_value(cJSON *o, const char *name, const char *value)
{
    char *v = value ? x_strdup(value) : ids_hex(16);

    cJSON_AddStringToObject(o, name, v);
    sec_wipe_str(v);
}

long long sec_flex_defaults(struct st_app *a, const char *op, const char *repl,
                            char **cause)
{
    cJSON *values = cJSON_CreateObject();
    char *url = sec_consul_url(a);
    long long v;

    sec_add_value(values, "SU_PASSWORD", NULL);
    sec_add_value(values, "OPERATOR_PASSWORD", op);
    sec_add_value(values, "REPL_PASSWORD", repl);
    sec_add_value(values, "FLY_CONSUL_URL", url);
    sec_wipe_str(url);
    v = sec_update(a, values, cause);
    cJSON_Delete(values);
    return v;
}

char *sec_consul_url(struct st_app *a)
{
    if (!a->consul_token) {
        char *r = ids_hex(4);

        a->consul_token = ids_hex(16);
        a->consul_prefix = x_asprintf("%s-%s", a->name, r);
        free(r);
    }
    return x_asprintf("https://:%s@" SEC_CONSUL_HOST "/%s/", a->consul_token,
                      a->consul_prefix);
}

/* The token and the path of a Consul URL "https://:TOKEN@HOST/PREFIX/"
 * (owned), or -1 when it has no token (flex: "consul token not set"). */
static int sec_consul_parse(const char *url, char **token, char **prefix)
{
    const char *s = strstr(url, "://"), *at, *colon, *slash;

    *token = *prefix = NULL;
    if (!s)
        return -1;
    s += 3;
    slash = strchr(s, '/');
    at = strchr(s, '@');
    if (!at || (slash && at > slash))
        return -1;
    colon = memchr(s, ':', (size_t)(at - s));
    if (!colon || colon + 1 == at)
        return -1;
    *token = x_strndup(colon + 1, (size_t)(at - colon - 1));
    slash = strchr(at, '/');
    *prefix = x_strdup(slash ? slash + 1 : "");
    if (**prefix && (*prefix)[strlen(*prefix) - 1] == '/')
        (*prefix)[strlen(*prefix) - 1] = '\0';
    return 0;
}

char *sec_boot_panic(const struct st_app *a, const struct st_secrets *s)
{
    static const char *const required[] = {"SU_PASSWORD", "OPERATOR_PASSWORD",
                                           "REPL_PASSWORD"};
    const char *url;
    char *token, *prefix, *why = NULL;
    size_t i;

    for (i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!sec_get(s, required[i]))
            return x_asprintf("panic: %s is required", required[i]);
    url = sec_get(s, "CONSUL_URL");
    if (!url || !*url)
        url = sec_get(s, "FLY_CONSUL_URL");
    if (!url || sec_consul_parse(url, &token, &prefix) != 0)
        return x_strdup("panic: failed initialize cluster state store: "
                        "consul token not set");
    if (!a->consul_token || strcmp(token, a->consul_token) != 0 ||
        strcmp(prefix, a->consul_prefix) != 0)
        why = x_strdup("panic: failed to verify cluster state Unexpected "
                       "response code: 403 (ACL not found)");
    x_wipe(token, strlen(token));
    free(token);
    free(prefix);
    return why;
}
