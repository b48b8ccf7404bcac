#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "src/appsecrets.h"
#include "src/buf.h"
#include "src/paths.h"
#include "src/xmalloc.h"

#define APPSECRETS_PW_LEN 24
#define APPSECRETS_MAX_FILE (256 * 1024)

/* One NAME=value of an app's file. */
struct appsecrets_kv {
    char *name;
    char *value;
};

struct appsecrets_file {
    char *plan; /* the plan that wrote it */
    struct appsecrets_kv *v;
    size_t n;
};

static char *appsecrets_dir(void)
{
    char *s = paths_state_dir(), *d = x_asprintf("%s/secrets", s);

    free(s);
    return d;
}

char *appsecrets_path(const char *app)
{
    char *d = appsecrets_dir(), *p = x_asprintf("%s/%s.env", d, app);

    free(d);
    return p;
}

static void appsecrets_wipe(char *s)
{
    if (s)
        x_wipe(s, strlen(s));
    free(s);
}

static void appsecrets_file_free(struct appsecrets_file *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        free(f->v[i].name);
        appsecrets_wipe(f->v[i].value);
    }
    free(f->v);
    free(f->plan);
    memset(f, 0, sizeof *f);
}

static void appsecrets_put(struct appsecrets_file *f, const char *name,
                           const char *value)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0) {
            appsecrets_wipe(f->v[i].value);
            f->v[i].value = x_strdup(value);
            return;
        }
    f->v = x_reallocarray(f->v, f->n + 1, sizeof *f->v);
    f->v[f->n].name = x_strdup(name);
    f->v[f->n].value = x_strdup(value);
    f->n++;
}

static const char *appsecrets_get(const struct appsecrets_file *f,
                                  const char *name)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0)
            return f->v[i].value;
    return NULL;
}

/* Reads APP's file into F when it was written for PLAN_ID; else F is
 * empty (a file of an earlier plan is replaced at the next save). */
static void appsecrets_load(const char *app, const char *plan_id,
                            struct appsecrets_file *f)
{
    char *path = appsecrets_path(app), *text = NULL, *line, *save = NULL;
    FILE *fp = fopen(path, "r");
    size_t len = 0;

    memset(f, 0, sizeof *f);
    f->plan = x_strdup(plan_id);
    free(path);
    if (!fp)
        return;
    text = x_calloc(1, APPSECRETS_MAX_FILE + 1);
    len = fread(text, 1, APPSECRETS_MAX_FILE, fp);
    fclose(fp);
    text[len] = '\0';
    line = strtok_r(text, "\n", &save);
    if (line && strncmp(line, "# plan ", 7) == 0 &&
        strcmp(line + 7, plan_id) == 0) {
        for (line = strtok_r(NULL, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *eq = strchr(line, '=');

            if (line[0] == '#' || !eq)
                continue;
            *eq = '\0';
            appsecrets_put(f, line, eq + 1);
        }
    }
    x_wipe(text, len);
    free(text);
}

static int appsecrets_save(const char *app, const struct appsecrets_file *f,
                           char **cause)
{
    char *path = appsecrets_path(app);
    struct buf b = BUF_INIT;
    size_t i;
    int rc;

    buf_printf(&b, "# plan %s\n", f->plan);
    buf_printf(&b,
               "# the secrets pgdeck set on the app %s; OPERATOR_PASSWORD "
               "is the password of the user postgres\n",
               app);
    for (i = 0; i < f->n; i++)
        buf_printf(&b, "%s=%s\n", f->v[i].name, f->v[i].value);
    rc = paths_write_private(path, buf_str(&b), b.len, cause);
    x_wipe(b.data, b.len);
    buf_free(&b);
    free(path);
    return rc;
}

/* APPSECRETS_PW_LEN random letters and digits.  Owned. */
static char *appsecrets_password(void)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char raw[APPSECRETS_PW_LEN * 2];
    char *pw = x_calloc(1, APPSECRETS_PW_LEN + 1);
    size_t i, k = 0;

    while (k < APPSECRETS_PW_LEN) {
        if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
            continue;
        /* 62 * 4 = 248: bytes above it are dropped, no bias. */
        for (i = 0; i < sizeof raw && k < APPSECRETS_PW_LEN; i++)
            if (raw[i] < 248)
                pw[k++] = set[raw[i] % 62];
    }
    x_wipe(raw, sizeof raw);
    return pw;
}

static int appsecrets_is_password(const char *name, size_t len)
{
    static const char suffix[] = "_PASSWORD";
    size_t sl = sizeof suffix - 1;

    return len > sl && memcmp(name + len - sl, suffix, sl) == 0;
}

char *appsecrets_expand(const char *app, const char *plan_id, const char *text,
                        char **cause)
{
    static const char open_tag[] = "${secret:";
    struct appsecrets_file f;
    struct buf b = BUF_INIT;
    const char *s = text, *open, *close;
    int dirty = 0;

    if (!strstr(text, open_tag))
        return x_strdup(text);
    appsecrets_load(app, plan_id, &f);
    buf_puts(&b, "");
    for (open = strstr(s, open_tag); open; open = strstr(s, open_tag)) {
        const char *name = open + sizeof open_tag - 1, *value;
        char *key;

        close = strchr(name, '}');
        if (!close)
            break;
        buf_append(&b, s, (size_t)(open - s));
        key = x_strndup(name, (size_t)(close - name));
        value = appsecrets_get(&f, key);
        if (!value && appsecrets_is_password(key, strlen(key))) {
            char *pw = appsecrets_password();

            appsecrets_put(&f, key, pw);
            appsecrets_wipe(pw);
            value = appsecrets_get(&f, key);
            dirty = 1;
        }
        if (!value) {
            if (cause)
                *cause = x_asprintf("the secret %s of %s is not known yet "
                                    "(an earlier step keeps it)",
                                    key, app);
            free(key);
            x_wipe(b.data, b.len);
            buf_free(&b);
            appsecrets_file_free(&f);
            return NULL;
        }
        free(key);
        buf_puts(&b, value);
        s = close + 1;
    }
    buf_puts(&b, s);
    if (dirty && appsecrets_save(app, &f, cause) != 0) {
        x_wipe(b.data, b.len);
        buf_free(&b);
        appsecrets_file_free(&f);
        return NULL;
    }
    appsecrets_file_free(&f);
    return buf_steal(&b);
}

int appsecrets_set(const char *app, const char *plan_id, const char *name,
                   const char *value, char **cause)
{
    struct appsecrets_file f;
    int rc;

    appsecrets_load(app, plan_id, &f);
    appsecrets_put(&f, name, value);
    rc = appsecrets_save(app, &f, cause);
    appsecrets_file_free(&f);
    return rc;
}

static char *appsecrets_minvers_path(void)
{
    char *d = appsecrets_dir(), *p = x_asprintf("%s/minvers", d);

    free(d);
    return p;
}

long long appsecrets_minvers(const char *context, const char *app)
{
    char *path = appsecrets_minvers_path(), line[512], c[200], a[100];
    FILE *fp = fopen(path, "r");
    long long v, found = 0;

    free(path);
    if (!fp)
        return 0;
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "%199s %99s %lld", c, a, &v) == 3 &&
            strcmp(c, context) == 0 && strcmp(a, app) == 0)
            found = v;
    fclose(fp);
    return found;
}

int appsecrets_minvers_save(const char *context, const char *app,
                            long long version, char **cause)
{
    char *path = appsecrets_minvers_path(), line[512], c[200], a[100];
    FILE *fp = fopen(path, "r");
    struct buf b = BUF_INIT;
    long long v;
    int rc;

    while (fp && fgets(line, sizeof line, fp))
        if (sscanf(line, "%199s %99s %lld", c, a, &v) == 3 &&
            (strcmp(c, context) != 0 || strcmp(a, app) != 0))
            buf_printf(&b, "%s %s %lld\n", c, a, v);
    if (fp)
        fclose(fp);
    buf_printf(&b, "%s %s %lld\n", context, app, version);
    rc = paths_write_private(path, buf_str(&b), b.len, cause);
    buf_free(&b);
    free(path);
    return rc;
}
