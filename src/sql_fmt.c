#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "src/buf.h"
#include "src/sql.h"
#include "src/xmalloc.h"

/*
 * sql_fmt: results and errors as text.  The aligned format is psql's
 * default ("aligned", border 1) byte for byte: headers centered with one
 * space of margin, "|" between columns, a "-+-" rule, numeric columns
 * right-aligned, the last column not padded unless it continues, a value
 * of several lines continued with "+" in the right margin, then "(N
 * rows)" and an empty line.  Widths are display widths of UTF-8 text.
 */

/* Decodes one UTF-8 character at S (N bytes left) into *CP; returns its
 * length (1 for a bad byte, taken as is). */
static size_t sql_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len, i;
    unsigned c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        len = 2, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, c &= 0x07;
    else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

/* The display width of the N bytes at S. */
static size_t sql_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, w = 0;

    while (i < n) {
        unsigned cp;
        int cw;

        i += sql_utf8(p + i, n - i, &cp);
        if (cp < 0x80) {
            w += cp >= 0x20 && cp != 0x7f ? 1 : 0;
            continue;
        }
        cw = wcwidth((wchar_t)cp);
        w += cw < 0 ? 1 : (size_t)cw;
    }
    return w;
}

/* The widest line of TEXT. */
static size_t sql_text_width(const char *text)
{
    size_t w = 0;

    while (text) {
        size_t len = strcspn(text, "\n"), lw = sql_width(text, len);

        if (lw > w)
            w = lw;
        text = text[len] ? text + len + 1 : NULL;
    }
    return w;
}

/* Line K of TEXT (its start and length), or NULL when it has fewer. */
static const char *sql_line(const char *text, size_t k, size_t *len)
{
    while (text && k > 0) {
        const char *nl = strchr(text, '\n');

        text = nl ? nl + 1 : NULL;
        k--;
    }
    if (!text)
        return NULL;
    *len = strcspn(text, "\n");
    return text;
}

static size_t sql_lines(const char *text)
{
    size_t n = 1;

    for (; text && *text; text++)
        if (*text == '\n')
            n++;
    return n;
}

static void sql_pad(struct buf *out, size_t n)
{
    while (n-- > 0)
        buf_putc(out, ' ');
}

void sql_fmt_aligned(const struct sql_set *set, const char *null_text,
                     struct buf *out)
{
    size_t *w, c, r, nc = set->n_cols;
    const char *nul = null_text ? null_text : "";

    if (!set->has_rows) {
        if (set->status)
            buf_printf(out, "%s\n", set->status);
        return;
    }
    w = x_calloc(nc ? nc : 1, sizeof *w);
    for (c = 0; c < nc; c++) {
        w[c] = sql_text_width(set->cols[c].name);
        for (r = 0; r < set->n_rows; r++) {
            const char *v = set->cells[r * nc + c];
            size_t cw = sql_text_width(v ? v : nul);

            if (cw > w[c])
                w[c] = cw;
        }
    }
    /* The header: every name centered, with its margins. */
    for (c = 0; c < nc; c++) {
        size_t nw = sql_width(set->cols[c].name, strlen(set->cols[c].name));
        size_t left = (w[c] - nw) / 2;

        if (c > 0)
            buf_putc(out, '|');
        buf_putc(out, ' ');
        sql_pad(out, left);
        buf_puts(out, set->cols[c].name);
        sql_pad(out, w[c] - nw - left);
        buf_putc(out, ' ');
    }
    buf_putc(out, '\n');
    for (c = 0; c < nc; c++) {
        size_t k;

        if (c > 0)
            buf_putc(out, '+');
        for (k = 0; k < w[c] + 2; k++)
            buf_putc(out, '-');
    }
    buf_putc(out, '\n');
    for (r = 0; r < set->n_rows; r++) {
        size_t lines = 1, k;

        for (c = 0; c < nc; c++) {
            const char *v = set->cells[r * nc + c];
            size_t l = sql_lines(v ? v : nul);

            if (l > lines)
                lines = l;
        }
        for (k = 0; k < lines; k++) {
            for (c = 0; c < nc; c++) {
                const char *v = set->cells[r * nc + c];
                const char *text = v ? v : nul, *line;
                size_t len = 0, lw;
                int more, last = c + 1 == nc;

                line = sql_line(text, k, &len);
                lw = line ? sql_width(line, len) : 0;
                more = line && sql_line(text, k + 1, &len);
                if (line)
                    len = strcspn(line, "\n");
                buf_putc(out, ' ');
                if (set->cols[c].numeric) {
                    sql_pad(out, w[c] - lw);
                    if (line)
                        buf_append(out, line, len);
                } else {
                    if (line)
                        buf_append(out, line, len);
                    if (!last || more)
                        sql_pad(out, w[c] - lw);
                }
                if (more)
                    buf_putc(out, '+');
                else if (!last)
                    buf_putc(out, ' ');
                if (!last)
                    buf_putc(out, '|');
            }
            buf_putc(out, '\n');
        }
    }
    buf_printf(out, "(%zu row%s)\n\n", set->n_rows,
               set->n_rows == 1 ? "" : "s");
    free(w);
}

/* Appends S as a JSON string. */
static void sql_json_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            buf_printf(out, "\\%c", c);
        else if (c == '\n')
            buf_puts(out, "\\n");
        else if (c == '\r')
            buf_puts(out, "\\r");
        else if (c == '\t')
            buf_puts(out, "\\t");
        else if (c < 0x20)
            buf_printf(out, "\\u%04x", c);
        else
            buf_putc(out, (char)c);
    }
    buf_putc(out, '"');
}

/* Whether S is a number JSON accepts as it is. */
static int sql_json_number(const char *s)
{
    const char *p = s;

    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return 0;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

void sql_fmt_json(const struct sql_result *r, struct buf *out)
{
    size_t i, row, c;

    for (i = 0; i < r->n_sets; i++) {
        const struct sql_set *set = &r->sets[i];

        if (!set->has_rows)
            continue;
        buf_putc(out, '[');
        for (row = 0; row < set->n_rows; row++) {
            buf_puts(out, row ? ",{" : "{");
            for (c = 0; c < set->n_cols; c++) {
                const char *v = set->cells[row * set->n_cols + c];

                if (c)
                    buf_putc(out, ',');
                sql_json_string(out, set->cols[c].name);
                buf_putc(out, ':');
                if (!v)
                    buf_puts(out, "null");
                else if (set->cols[c].boolean &&
                         (!strcmp(v, "t") || !strcmp(v, "f")))
                    buf_puts(out, *v == 't' ? "true" : "false");
                else if (set->cols[c].numeric && sql_json_number(v))
                    buf_puts(out, v);
                else
                    sql_json_string(out, v);
            }
            buf_putc(out, '}');
        }
        buf_puts(out, "]\n");
    }
}

void sql_fmt_error(const struct sql_error *e, const char *text, struct buf *out)
{
    long at =
        e->position > 0 && text ? sql_text_byte_at(text, e->position) : -1;

    if (e->sqlstate)
        buf_printf(out, "%s %s: %s\n", e->severity ? e->severity : "ERROR",
                   e->sqlstate, e->message);
    else
        buf_printf(out, "ERROR: %s\n", e->message);
    if (at >= 0) {
        const char *line = text, *p;
        int n = 1;
        size_t len, col;
        char label[32];

        for (p = text; p < text + at; p++)
            if (*p == '\n') {
                n++;
                line = p + 1;
            }
        len = strcspn(line, "\n");
        (void)snprintf(label, sizeof label, "LINE %d: ", n);
        buf_printf(out, "%s%.*s\n", label, (int)len, line);
        col = strlen(label) + sql_width(line, (size_t)(text + at - line));
        sql_pad(out, col);
        buf_puts(out, "^\n");
    }
    if (e->detail)
        buf_printf(out, "DETAIL:  %s\n", e->detail);
    if (e->hint)
        buf_printf(out, "HINT:  %s\n", e->hint);
    if (e->context)
        buf_printf(out, "CONTEXT:  %s\n", e->context);
}
