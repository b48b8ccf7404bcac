#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/context.h"
#include "src/paths.h"
#include "src/sql.h"
#include "src/xmalloc.h"

/*
 * sql_history: one file for every context, one entry per line:
 *
 *   CONTEXT <TAB> TEXT
 *
 * with backslash, newline, carriage return and tab in TEXT written as \\,
 * \n, \r and \t, so a multi-line statement is one line.  Entries are
 * appended (other contexts' lines are never touched but by the rewrite
 * that trims this context to its cap when it is opened).  The file is
 * created 0600; one readable by group or others is refused, as pgdeck
 * refuses such config and token files.
 */

#define SQL_HISTORY_DEFAULT 1000

struct sql_history {
    char *path;
    char *context;
    size_t max;
    char **v; /* oldest first */
    size_t n;
};

static void sql_history_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

static char *sql_history_unescape(const char *s, size_t n)
{
    struct buf b = BUF_INIT;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            buf_putc(&b, s[i] == 'n'   ? '\n'
                         : s[i] == 'r' ? '\r'
                         : s[i] == 't' ? '\t'
                                       : s[i]);
        } else {
            buf_putc(&b, s[i]);
        }
    }
    return buf_steal(&b);
}

/* Drops the oldest entries of H over its cap. */
static void sql_history_trim(struct sql_history *h)
{
    size_t drop, i;

    if (h->n <= h->max)
        return;
    drop = h->n - h->max;
    for (i = 0; i < drop; i++)
        free(h->v[i]);
    memmove(h->v, h->v + drop, (h->n - drop) * sizeof *h->v);
    h->n -= drop;
}

/* Rewrites the file with every other context's lines (OTHERS) and this
 * context's kept entries, atomically.  Returns 0 or -1 (*cause). */
static int sql_history_rewrite(struct sql_history *h, const char *others,
                               char **cause)
{
    struct buf b = BUF_INIT;
    char *tmp = x_asprintf("%s.tmp", h->path);
    size_t i;
    int fd, rc = -1;

    buf_puts(&b, others);
    for (i = 0; i < h->n; i++) {
        buf_printf(&b, "%s\t", h->context);
        sql_history_escape(&b, h->v[i]);
        buf_putc(&b, '\n');
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t off = 0;

        while (off < b.len) {
            ssize_t k = write(fd, b.data + off, b.len - off);

            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            off += (size_t)k;
        }
        if (off == b.len && fsync(fd) == 0 && close(fd) == 0 &&
            rename(tmp, h->path) == 0)
            rc = 0;
        else if (off != b.len)
            (void)close(fd);
    }
    if (rc != 0) {
        *cause = x_asprintf("cannot write %s: %s", h->path, strerror(errno));
        (void)unlink(tmp);
    }
    free(tmp);
    buf_free(&b);
    return rc;
}

struct sql_history *sql_history_open(const char *path, const char *context,
                                     size_t max, char **cause)
{
    struct sql_history *h;
    struct buf others = BUF_INIT;
    char *dir = NULL, *line = NULL;
    size_t cap = 0, clen = strlen(context ? context : "");
    ssize_t len;
    FILE *f;

    h = x_calloc(1, sizeof *h);
    h->context = x_strdup(context ? context : "");
    h->max = max > 0 ? max : SQL_HISTORY_DEFAULT;
    if (path) {
        h->path = x_strdup(path);
    } else {
        dir = paths_state_dir();
        h->path = x_asprintf("%s/sql_history", dir);
        if (paths_mkdirs(dir, cause) != 0) {
            free(dir);
            sql_history_free(h);
            return NULL;
        }
        free(dir);
    }
    f = fopen(h->path, "re");
    if (!f) {
        if (errno == ENOENT)
            return h;
        *cause = x_asprintf("cannot read %s: %s", h->path, strerror(errno));
        sql_history_free(h);
        return NULL;
    }
    if (context_file_check(h->path, 1, cause) != 0) {
        fclose(f);
        sql_history_free(h);
        return NULL;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if ((size_t)len > clen && strncmp(line, h->context, clen) == 0 &&
            line[clen] == '\t') {
            h->v = x_reallocarray(h->v, h->n + 1, sizeof *h->v);
            h->v[h->n++] =
                sql_history_unescape(line + clen + 1, (size_t)len - clen - 1);
        } else if (len > 0) {
            buf_printf(&others, "%s\n", line);
        }
    }
    free(line);
    fclose(f);
    if (h->n > h->max) {
        char *why = NULL;

        sql_history_trim(h);
        if (sql_history_rewrite(h, buf_str(&others), &why) != 0)
            free(why); /* kept in memory; the next add says so */
    }
    buf_free(&others);
    return h;
}

void sql_history_free(struct sql_history *h)
{
    size_t i;

    if (!h)
        return;
    for (i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    free(h->path);
    free(h->context);
    free(h);
}

int sql_history_add(struct sql_history *h, const char *text, char **cause)
{
    struct buf b = BUF_INIT;
    const char *p = text;
    size_t off = 0;
    int fd, rc = 1;

    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    if (!*p || sql_text_secret(text))
        return 0;
    if (h->n > 0 && strcmp(h->v[h->n - 1], text) == 0)
        return 0;
    h->v = x_reallocarray(h->v, h->n + 1, sizeof *h->v);
    h->v[h->n++] = x_strdup(text);
    sql_history_trim(h);

    buf_printf(&b, "%s\t", h->context);
    sql_history_escape(&b, text);
    buf_putc(&b, '\n');
    fd = open(h->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        *cause = x_asprintf("cannot write %s: %s", h->path, strerror(errno));
        buf_free(&b);
        return -1;
    }
    while (off < b.len) {
        ssize_t k = write(fd, b.data + off, b.len - off);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            *cause =
                x_asprintf("cannot write %s: %s", h->path, strerror(errno));
            rc = -1;
            break;
        }
        off += (size_t)k;
    }
    (void)close(fd);
    buf_free(&b);
    return rc;
}

size_t sql_history_count(const struct sql_history *h)
{
    return h->n;
}

const char *sql_history_at(const struct sql_history *h, size_t i)
{
    return i < h->n ? h->v[i] : NULL;
}
