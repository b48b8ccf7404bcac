#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/xmalloc.h"

#include "ui/sqledit.h"

static int sqledit_cont(char c);
static size_t sqledit_line_start(const struct sqledit *e, size_t off);
static size_t sqledit_line_end(const struct sqledit *e, size_t off);
static size_t sqledit_cells(const char *p, size_t n);
static size_t sqledit_at_col(const struct sqledit *e, size_t start, int col);
static void sqledit_wipe(struct buf *b);
static void sqledit_show(struct sqledit *e, const char *text);

/* A UTF-8 continuation byte. */
static int sqledit_cont(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

static void sqledit_wipe(struct buf *b)
{
    if (b->data)
        memset(b->data, 0, b->len);
    buf_reset(b);
}

void sqledit_init(struct sqledit *e)
{
    memset(e, 0, sizeof *e);
    e->goal = -1;
    e->hist = -1;
}

void sqledit_free(struct sqledit *e)
{
    sqledit_wipe(&e->text);
    buf_free(&e->text);
    if (e->draft) {
        memset(e->draft, 0, strlen(e->draft));
        free(e->draft);
    }
    e->draft = NULL;
    e->cur = 0;
}

void sqledit_clear(struct sqledit *e)
{
    sqledit_wipe(&e->text);
    e->cur = 0;
    e->goal = -1;
    e->hist = -1;
    free(e->draft);
    e->draft = NULL;
}

void sqledit_set(struct sqledit *e, const char *text)
{
    sqledit_wipe(&e->text);
    buf_puts(&e->text, text);
    e->cur = e->text.len;
    e->goal = -1;
}

const char *sqledit_text(const struct sqledit *e)
{
    return e->text.data ? e->text.data : "";
}

int sqledit_blank(const struct sqledit *e)
{
    size_t i;

    for (i = 0; i < e->text.len; i++)
        if (!strchr(" \t\r\n", e->text.data[i]))
            return 0;
    return 1;
}

int sqledit_insert(struct sqledit *e, const char *s, size_t n)
{
    size_t tail;

    if (n == 0)
        return 0;
    if (e->max_bytes && e->text.len + n > e->max_bytes)
        return -1;
    tail = e->text.len - e->cur;
    buf_append(&e->text, s, n); /* grows; then shift the tail */
    memmove(e->text.data + e->cur + n, e->text.data + e->cur, tail);
    memcpy(e->text.data + e->cur, s, n);
    e->cur += n;
    e->goal = -1;
    return 0;
}

int sqledit_backspace(struct sqledit *e)
{
    size_t end = e->cur;

    if (e->cur == 0)
        return 0;
    sqledit_left(e);
    memmove(e->text.data + e->cur, e->text.data + end, e->text.len - end + 1);
    e->text.len -= end - e->cur;
    e->goal = -1;
    return 1;
}

int sqledit_delete(struct sqledit *e)
{
    size_t start = e->cur;

    if (e->cur >= e->text.len)
        return 0;
    sqledit_right(e);
    memmove(e->text.data + start, e->text.data + e->cur,
            e->text.len - e->cur + 1);
    e->text.len -= e->cur - start;
    e->cur = start;
    e->goal = -1;
    return 1;
}

int sqledit_left(struct sqledit *e)
{
    if (e->cur == 0)
        return 0;
    e->cur--;
    while (e->cur > 0 && sqledit_cont(e->text.data[e->cur]))
        e->cur--;
    e->goal = -1;
    return 1;
}

int sqledit_right(struct sqledit *e)
{
    if (e->cur >= e->text.len)
        return 0;
    e->cur++;
    while (e->cur < e->text.len && sqledit_cont(e->text.data[e->cur]))
        e->cur++;
    e->goal = -1;
    return 1;
}

static size_t sqledit_line_start(const struct sqledit *e, size_t off)
{
    while (off > 0 && e->text.data[off - 1] != '\n')
        off--;
    return off;
}

static size_t sqledit_line_end(const struct sqledit *e, size_t off)
{
    while (off < e->text.len && e->text.data[off] != '\n')
        off++;
    return off;
}

int sqledit_home(struct sqledit *e)
{
    size_t s = e->text.len ? sqledit_line_start(e, e->cur) : 0;
    int moved = s != e->cur;

    e->cur = s;
    e->goal = -1;
    return moved;
}

int sqledit_end(struct sqledit *e)
{
    size_t s = e->text.len ? sqledit_line_end(e, e->cur) : 0;
    int moved = s != e->cur;

    e->cur = s;
    e->goal = -1;
    return moved;
}

static size_t sqledit_cells(const char *p, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        if (!sqledit_cont(p[i]))
            c++;
    return c;
}

/* The offset of column COL on the line starting at START (its end when
 * the line is shorter). */
static size_t sqledit_at_col(const struct sqledit *e, size_t start, int col)
{
    size_t off = start;
    int c = 0;

    while (off < e->text.len && e->text.data[off] != '\n' && c < col) {
        off++;
        while (off < e->text.len && sqledit_cont(e->text.data[off]))
            off++;
        c++;
    }
    return off;
}

int sqledit_up(struct sqledit *e)
{
    size_t s;
    int line, col;

    if (!e->text.len)
        return 0;
    s = sqledit_line_start(e, e->cur);
    if (s == 0)
        return 0;
    sqledit_cursor(e, &line, &col);
    if (e->goal < 0)
        e->goal = col;
    e->cur = sqledit_at_col(e, sqledit_line_start(e, s - 1), e->goal);
    return 1;
}

int sqledit_down(struct sqledit *e)
{
    size_t end;
    int line, col;

    if (!e->text.len)
        return 0;
    end = sqledit_line_end(e, e->cur);
    if (end >= e->text.len)
        return 0;
    sqledit_cursor(e, &line, &col);
    if (e->goal < 0)
        e->goal = col;
    e->cur = sqledit_at_col(e, end + 1, e->goal);
    return 1;
}

void sqledit_goto(struct sqledit *e, size_t off)
{
    if (off > e->text.len)
        off = e->text.len;
    while (off > 0 && off < e->text.len && sqledit_cont(e->text.data[off]))
        off--;
    e->cur = off;
    e->goal = -1;
}

/* Shows TEXT while browsing (the cursor at its end). */
static void sqledit_show(struct sqledit *e, const char *text)
{
    sqledit_wipe(&e->text);
    buf_puts(&e->text, text ? text : "");
    e->cur = e->text.len;
    e->goal = -1;
}

int sqledit_hist_older(struct sqledit *e, size_t n, sqledit_hist_at at,
                       void *arg)
{
    long i;

    if (n == 0 || e->hist == 0)
        return 0;
    if (e->hist < 0 || e->hist > (long)n) {
        free(e->draft);
        e->draft = x_strdup(sqledit_text(e));
        i = (long)n - 1;
    } else
        i = e->hist - 1;
    e->hist = i;
    sqledit_show(e, at(arg, (size_t)i));
    return 1;
}

int sqledit_hist_newer(struct sqledit *e, size_t n, sqledit_hist_at at,
                       void *arg)
{
    if (e->hist < 0)
        return 0;
    if (e->hist + 1 >= (long)n) {
        /* past the newest: the draft */
        e->hist = -1;
        sqledit_show(e, e->draft);
        free(e->draft);
        e->draft = NULL;
        return 1;
    }
    e->hist++;
    sqledit_show(e, at(arg, (size_t)e->hist));
    return 1;
}

int sqledit_key_up(struct sqledit *e, size_t n, sqledit_hist_at at, void *arg)
{
    /* While browsing, Up always walks the history (entries may have
     * several lines: the cursor sits at their end). */
    if (e->hist < 0 && sqledit_up(e))
        return 1;
    return sqledit_hist_older(e, n, at, arg);
}

int sqledit_key_down(struct sqledit *e, size_t n, sqledit_hist_at at, void *arg)
{
    if (e->hist < 0)
        return sqledit_down(e);
    return sqledit_hist_newer(e, n, at, arg);
}

int sqledit_lines(const struct sqledit *e)
{
    size_t i;
    int n = 1;

    for (i = 0; i < e->text.len; i++)
        if (e->text.data[i] == '\n')
            n++;
    return n;
}

void sqledit_cursor(const struct sqledit *e, int *line, int *col)
{
    size_t i, start = 0;
    int l = 0;

    for (i = 0; i < e->cur; i++)
        if (e->text.data[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (int)sqledit_cells(e->text.data + start, e->cur - start);
}

int sqledit_line(const struct sqledit *e, int l, size_t *start, size_t *len)
{
    size_t off = 0;
    int i;

    for (i = 0; i < l; i++) {
        off = sqledit_line_end(e, off);
        if (off >= e->text.len)
            return -1;
        off++;
    }
    if (l < 0)
        return -1;
    *start = off;
    *len = (e->text.len ? sqledit_line_end(e, off) : 0) - off;
    return 0;
}

int sqledit_scroll(const struct sqledit *e, int top, int h)
{
    int line, col, n = sqledit_lines(e);

    sqledit_cursor(e, &line, &col);
    if (h < 1)
        h = 1;
    if (top > line)
        top = line;
    if (line >= top + h)
        top = line - h + 1;
    if (top > n - h)
        top = n - h;
    if (top < 0)
        top = 0;
    return top;
}
