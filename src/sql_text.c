#include "config.h"

#include <ctype.h>
#include <string.h>

#include "src/sql.h"

/*
 * sql_text: what the SQL pane needs to know of a statement's text without
 * a server: whether Enter should run it, whether it holds a password
 * literal (history), where an error position falls.  One scanner walks
 * the text through the lexical states of PostgreSQL's SQL that matter
 * here: plain text, '...' and E'...' strings, "..." identifiers,
 * $tag$...$tag$ strings, -- comments and nested block comments.
 */

enum sql_lex {
    SQL_LEX_PLAIN,
    SQL_LEX_STRING,  /* '...' */
    SQL_LEX_ESTRING, /* E'...' (backslash escapes) */
    SQL_LEX_IDENT,   /* "..." */
    SQL_LEX_DOLLAR,  /* $tag$...$tag$ */
    SQL_LEX_LINE,    /* -- to the end of the line */
    SQL_LEX_BLOCK    /* block comment, nested */
};

struct sql_scan {
    const char *t;
    size_t i;
    enum sql_lex st;
    int depth;       /* block comment nesting */
    const char *tag; /* dollar quote: "$tag$" in the text */
    size_t tag_len;
    int last_semicolon; /* the last plain token was ';' */
    int string_start;   /* a string literal began at this step */
};

static int sql_ident_char(int c)
{
    return isalnum(c) || c == '_' || (c & 0x80);
}

/* The length of a dollar-quote tag ("$", "$abc$") starting at T, or 0. */
static size_t sql_dollar_tag(const char *t)
{
    size_t n = 1;

    if (t[0] != '$')
        return 0;
    if (isdigit((unsigned char)t[1]))
        return 0; /* $1: a parameter */
    while (t[n] && t[n] != '$') {
        if (!sql_ident_char((unsigned char)t[n]))
            return 0;
        n++;
    }
    return t[n] == '$' ? n + 1 : 0;
}

/* One step of the scanner: consumes at least one byte.  Returns 0 at the
 * end of the text. */
static int sql_scan_step(struct sql_scan *s)
{
    const char *t = s->t;
    size_t i = s->i;
    char c = t[i];

    s->string_start = 0;
    if (!c)
        return 0;
    switch (s->st) {
    case SQL_LEX_PLAIN:
        if (c == '-' && t[i + 1] == '-') {
            s->st = SQL_LEX_LINE;
            s->i += 2;
        } else if (c == '/' && t[i + 1] == '*') {
            s->st = SQL_LEX_BLOCK;
            s->depth = 1;
            s->i += 2;
        } else if ((c == 'E' || c == 'e') && t[i + 1] == '\'' &&
                   (i == 0 || !sql_ident_char((unsigned char)t[i - 1]))) {
            s->st = SQL_LEX_ESTRING;
            s->string_start = 1;
            s->last_semicolon = 0;
            s->i += 2;
        } else if (c == '\'') {
            s->st = SQL_LEX_STRING;
            s->string_start = 1;
            s->last_semicolon = 0;
            s->i++;
        } else if (c == '"') {
            s->st = SQL_LEX_IDENT;
            s->last_semicolon = 0;
            s->i++;
        } else if (c == '$' &&
                   (i == 0 || !sql_ident_char((unsigned char)t[i - 1])) &&
                   sql_dollar_tag(t + i) > 0) {
            s->tag = t + i;
            s->tag_len = sql_dollar_tag(t + i);
            s->st = SQL_LEX_DOLLAR;
            s->string_start = 1;
            s->last_semicolon = 0;
            s->i += s->tag_len;
        } else {
            if (c == ';')
                s->last_semicolon = 1;
            else if (!isspace((unsigned char)c))
                s->last_semicolon = 0;
            s->i++;
        }
        return 1;
    case SQL_LEX_STRING:
    case SQL_LEX_ESTRING:
    case SQL_LEX_IDENT: {
        /* Quoted: a doubled quote stands for itself; E'' strings also
         * escape with a backslash. */
        char q = s->st == SQL_LEX_IDENT ? '"' : '\'';

        if (s->st == SQL_LEX_ESTRING && c == '\\' && t[i + 1])
            s->i += 2;
        else if (c == q && t[i + 1] == q)
            s->i += 2;
        else if (c == q)
            s->st = SQL_LEX_PLAIN, s->i++;
        else
            s->i++;
        return 1;
    }
    case SQL_LEX_DOLLAR:
        if (c == '$' && strncmp(t + i, s->tag, s->tag_len) == 0) {
            s->i += s->tag_len;
            s->st = SQL_LEX_PLAIN;
        } else {
            s->i++;
        }
        return 1;
    case SQL_LEX_LINE:
        if (c == '\n')
            s->st = SQL_LEX_PLAIN;
        s->i++;
        return 1;
    case SQL_LEX_BLOCK:
        if (c == '/' && t[i + 1] == '*') {
            s->depth++;
            s->i += 2;
        } else if (c == '*' && t[i + 1] == '/') {
            if (--s->depth == 0)
                s->st = SQL_LEX_PLAIN;
            s->i += 2;
        } else {
            s->i++;
        }
        return 1;
    }
    return 0;
}

int sql_text_complete(const char *text)
{
    struct sql_scan s;

    memset(&s, 0, sizeof s);
    s.t = text ? text : "";
    while (sql_scan_step(&s))
        ;
    /* Open quotes or a block comment: more is to come.  A -- comment
     * after the ';' is fine (psql runs "select 1; -- x"). */
    if (s.st != SQL_LEX_PLAIN && s.st != SQL_LEX_LINE)
        return 0;
    return s.last_semicolon;
}

/* Whether the plain word at T (length N) is WORD, case-insensitively. */
static int sql_word_is(const char *t, size_t n, const char *word)
{
    size_t i;

    if (strlen(word) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)t[i]) != word[i])
            return 0;
    return 1;
}

int sql_text_secret(const char *text)
{
    struct sql_scan s;
    int after_password = 0;

    memset(&s, 0, sizeof s);
    s.t = text ? text : "";
    for (;;) {
        size_t start = s.i;
        enum sql_lex before = s.st;

        if (before == SQL_LEX_PLAIN && s.t[start] &&
            sql_ident_char((unsigned char)s.t[start]) &&
            (start == 0 || !sql_ident_char((unsigned char)s.t[start - 1])) &&
            !((s.t[start] == 'E' || s.t[start] == 'e') &&
              s.t[start + 1] == '\'')) {
            size_t end = start;

            while (s.t[end] && sql_ident_char((unsigned char)s.t[end]))
                end++;
            after_password = sql_word_is(s.t + start, end - start, "password");
            s.i = end;
            s.last_semicolon = 0;
            continue;
        }
        if (!sql_scan_step(&s))
            break;
        if (s.string_start && after_password)
            return 1;
        /* Whitespace and comments keep the keyword in force; anything
         * else plain ends it. */
        if (before == SQL_LEX_PLAIN && s.st == SQL_LEX_PLAIN &&
            !isspace((unsigned char)s.t[start]))
            after_password = 0;
    }
    return 0;
}

long sql_text_byte_at(const char *text, int position)
{
    long i = 0;
    int ch = 1;

    if (!text || position < 1)
        return -1;
    while (text[i]) {
        if (ch == position)
            return i;
        i++;
        /* Skip the continuation bytes of a UTF-8 character. */
        while ((text[i] & 0xC0) == 0x80)
            i++;
        ch++;
    }
    return -1;
}
