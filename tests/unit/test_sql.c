#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/buf.h"
#include "src/sql.h"
#include "src/xmalloc.h"

#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

/*
 * test_sql: the pure parts of the SQL session: when Enter runs a text,
 * which texts hold a password, error positions, psql's aligned format on
 * hand-built results (the byte-for-byte comparison with psql itself is in
 * tests/sql/sql-cli.test), JSON, errors, and the history file.
 */

START_TEST(test_complete)
{
    static const struct {
        const char *text;
        int complete;
    } v[] = {
        {"select 1;", 1},
        {"select 1", 0},
        {"select 1;  \n", 1},
        {"select 1; -- a comment", 1},
        {"select ';'", 0},
        {"select ';';", 1},
        {"select 'it''s;'", 0},
        {"select E'\\';", 0},
        {"select E'\\'';", 1},
        {"select \"a;b\"", 0},
        {"select $$;$$", 0},
        {"select $$;$$;", 1},
        {"select $tag$ ; $$ ; $tag$;", 1},
        {"select $tag$ ; $$ ;", 0},
        {"select 1 /* ; */", 0},
        {"select 1 /* /* ; */ ; */;", 1},
        {"select 1 /* /* ; */ ;", 0},
        {"select $1;", 1},
        {"-- only a comment;", 0},
        {"", 0},
        {";", 1},
    };
    size_t i;

    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(sql_text_complete(v[i].text) == v[i].complete,
                      "complete(%s) should be %d", v[i].text, v[i].complete);
}
END_TEST

START_TEST(test_secret)
{
    static const struct {
        const char *text;
        int secret;
    } v[] = {
        {"CREATE ROLE x LOGIN PASSWORD 'secret';", 1},
        {"alter user x with encrypted password 'md5abc';", 1},
        {"ALTER ROLE x PASSWORD E'se\\'cret';", 1},
        {"create role x password $$s$$;", 1},
        {"CREATE ROLE x PASSWORD /* c */ 'secret';", 1},
        {"CREATE ROLE x PASSWORD\n  'secret';", 1},
        {"CREATE USER MAPPING FOR x SERVER s OPTIONS (user 'u', password "
         "'p');",
         1},
        {"ALTER ROLE x PASSWORD NULL;", 0},
        {"SELECT 'password' AS x;", 0},
        {"SELECT \"password\" FROM t WHERE a = 'b';", 0},
        {"SELECT password_hash FROM t WHERE x = 'y';", 0},
        {"-- password 'x'\nSELECT 1;", 0},
        {"SELECT 1;", 0},
    };
    size_t i;

    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        ck_assert_msg(sql_text_secret(v[i].text) == v[i].secret,
                      "secret(%s) should be %d", v[i].text, v[i].secret);
}
END_TEST

START_TEST(test_byte_at)
{
    ck_assert_int_eq(sql_text_byte_at("select x", 1), 0);
    ck_assert_int_eq(sql_text_byte_at("select x", 8), 7);
    ck_assert_int_eq(sql_text_byte_at("select x", 9), -1);
    ck_assert_int_eq(sql_text_byte_at("select x", 0), -1);
    /* "é" is 2 bytes: character 3 starts at byte 3. */
    ck_assert_int_eq(sql_text_byte_at("aéb", 3), 3);
    ck_assert_int_eq(sql_text_byte_at("日本x", 3), 6);
}
END_TEST

/* A set of N_COLS columns from NAMES (numeric ones flagged in NUM) and
 * N_ROWS rows of CELLS (NULL entries are SQL NULL). */
static void mkset(struct sql_set *set, size_t n_cols, const char *const *names,
                  const int *num, size_t n_rows, const char *const *cells)
{
    size_t i;

    memset(set, 0, sizeof *set);
    set->has_rows = 1;
    set->n_cols = n_cols;
    set->cols = x_calloc(n_cols, sizeof *set->cols);
    for (i = 0; i < n_cols; i++) {
        set->cols[i].name = x_strdup(names[i]);
        set->cols[i].numeric = num[i];
    }
    set->n_rows = n_rows;
    set->cells = x_calloc(n_rows * n_cols + 1, sizeof *set->cells);
    for (i = 0; i < n_rows * n_cols; i++)
        set->cells[i] = cells[i] ? x_strdup(cells[i]) : NULL;
}

static void freeset(struct sql_set *set)
{
    size_t i;

    for (i = 0; i < set->n_cols; i++)
        free(set->cols[i].name);
    for (i = 0; i < set->n_rows * set->n_cols; i++)
        free(set->cells[i]);
    free(set->cols);
    free(set->cells);
    free(set->status);
}

START_TEST(test_aligned)
{
    static const char *const names[] = {"one", "n", "t", "u"};
    static const int num[] = {1, 0, 0, 0};
    static const char *const cells[] = {"1", NULL, "x", "héllo wörld"};
    static const char *const ml_names[] = {"ml", "two", "z"};
    static const int ml_num[] = {0, 1, 0};
    static const char *const ml_cells[] = {"a\nbb", "2", "x"};
    static const char *const j_names[] = {"j", "n"};
    static const int j_num[] = {0, 1};
    static const char *const j_cells[] = {"日本語", "1"};
    struct sql_set set;
    struct buf b = BUF_INIT;

    mkset(&set, 4, names, num, 1, cells);
    sql_fmt_aligned(&set, NULL, &b);
    ck_assert_str_eq(buf_str(&b), " one | n | t |      u      \n"
                                  "-----+---+---+-------------\n"
                                  "   1 |   | x | héllo wörld\n"
                                  "(1 row)\n\n");
    freeset(&set);
    buf_reset(&b);
    mkset(&set, 3, ml_names, ml_num, 1, ml_cells);
    sql_fmt_aligned(&set, NULL, &b);
    ck_assert_str_eq(buf_str(&b), " ml | two | z \n"
                                  "----+-----+---\n"
                                  " a +|   2 | x\n"
                                  " bb |     | \n"
                                  "(1 row)\n\n");
    freeset(&set);
    buf_reset(&b);
    mkset(&set, 2, j_names, j_num, 1, j_cells);
    sql_fmt_aligned(&set, "NULL", &b);
    ck_assert_str_eq(buf_str(&b), "   j    | n \n"
                                  "--------+---\n"
                                  " 日本語 | 1\n"
                                  "(1 row)\n\n");
    freeset(&set);
    buf_reset(&b);
    /* No rows; a command's status only. */
    mkset(&set, 1, names, num, 0, cells);
    sql_fmt_aligned(&set, NULL, &b);
    ck_assert_str_eq(buf_str(&b), " one \n-----\n(0 rows)\n\n");
    freeset(&set);
    buf_reset(&b);
    memset(&set, 0, sizeof set);
    set.status = x_strdup("INSERT 0 1");
    sql_fmt_aligned(&set, NULL, &b);
    ck_assert_str_eq(buf_str(&b), "INSERT 0 1\n");
    freeset(&set);
    buf_free(&b);
}
END_TEST

START_TEST(test_json)
{
    static const char *const names[] = {"id", "name", "ok", "score"};
    static const int num[] = {1, 0, 0, 1};
    static const char *const cells[] = {"1",  "a\"b", "t", "NaN",
                                        NULL, "x\ny", "f", "-2.5e3"};
    struct sql_result r;
    struct sql_set set;
    struct buf b = BUF_INIT;

    mkset(&set, 4, names, num, 2, cells);
    set.cols[2].boolean = 1;
    memset(&r, 0, sizeof r);
    r.sets = &set;
    r.n_sets = 1;
    sql_fmt_json(&r, &b);
    ck_assert_str_eq(buf_str(&b),
                     "[{\"id\":1,\"name\":\"a\\\"b\",\"ok\":true,\"score\":"
                     "\"NaN\"},{\"id\":null,\"name\":\"x\\ny\",\"ok\":false,"
                     "\"score\":-2.5e3}]\n");
    freeset(&set);
    buf_free(&b);
}
END_TEST

START_TEST(test_error)
{
    char sev[] = "ERROR", state[] = "42P01",
         msg[] = "relation \"x\" does not exist", detail[] = "some detail",
         hint[] = "some hint",
         cmsg[] = "could not connect to 127.0.0.1:5433: refused";
    struct sql_error e;
    struct buf b = BUF_INIT;

    memset(&e, 0, sizeof e);
    e.severity = sev;
    e.sqlstate = state;
    e.message = msg;
    e.position = 15;
    e.detail = detail;
    e.hint = hint;
    sql_fmt_error(&e, "select * from x", &b);
    ck_assert_str_eq(buf_str(&b), "ERROR 42P01: relation \"x\" does not exist\n"
                                  "LINE 1: select * from x\n"
                                  "                      ^\n"
                                  "DETAIL:  some detail\n"
                                  "HINT:  some hint\n");
    buf_reset(&b);
    /* The second line; a position past the text shows no LINE. */
    e.detail = e.hint = NULL;
    e.position = 10;
    sql_fmt_error(&e, "select\n  * fro x", &b);
    ck_assert_str_eq(buf_str(&b), "ERROR 42P01: relation \"x\" does not exist\n"
                                  "LINE 2:   * fro x\n"
                                  "          ^\n");
    buf_reset(&b);
    e.position = 99;
    sql_fmt_error(&e, "select 1", &b);
    ck_assert_str_eq(buf_str(&b),
                     "ERROR 42P01: relation \"x\" does not exist\n");
    buf_reset(&b);
    memset(&e, 0, sizeof e);
    e.message = cmsg;
    sql_fmt_error(&e, NULL, &b);
    ck_assert_str_eq(buf_str(&b),
                     "ERROR: could not connect to 127.0.0.1:5433: refused\n");
    buf_free(&b);
}
END_TEST

START_TEST(test_history)
{
    char *dir = unit_tmpdir(), *path = x_asprintf("%s/sql_history", dir);
    char *cause = NULL, *text;
    struct sql_history *h;
    struct stat st;
    FILE *f;
    size_t len;

    h = sql_history_open(path, "local", 3, &cause);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(sql_history_count(h), 0);
    ck_assert_int_eq(sql_history_add(h, "select 1;", &cause), 1);
    ck_assert_int_eq(sql_history_add(h, "select 1;", &cause), 0);
    ck_assert_int_eq(sql_history_add(h, "  \n", &cause), 0);
    ck_assert_int_eq(
        sql_history_add(h, "CREATE ROLE r PASSWORD 'hunter2';", &cause), 0);
    ck_assert_int_eq(sql_history_add(h, "select\n\t'a\\b';", &cause), 1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    sql_history_free(h);
    /* Another context's entries are kept apart. */
    h = sql_history_open(path, "prod", 3, &cause);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(sql_history_add(h, "select 'prod';", &cause), 1);
    sql_history_free(h);
    h = sql_history_open(path, "local", 3, &cause);
    ck_assert_uint_eq(sql_history_count(h), 2);
    ck_assert_str_eq(sql_history_at(h, 0), "select 1;");
    ck_assert_str_eq(sql_history_at(h, 1), "select\n\t'a\\b';");
    ck_assert_ptr_null(sql_history_at(h, 2));
    ck_assert_int_eq(sql_history_add(h, "select 3;", &cause), 1);
    ck_assert_int_eq(sql_history_add(h, "select 4;", &cause), 1);
    ck_assert_uint_eq(sql_history_count(h), 3);
    ck_assert_str_eq(sql_history_at(h, 0), "select\n\t'a\\b';");
    sql_history_free(h);
    /* Reopened, the cap trims the file; prod is still there. */
    h = sql_history_open(path, "local", 3, &cause);
    ck_assert_uint_eq(sql_history_count(h), 3);
    ck_assert_str_eq(sql_history_at(h, 2), "select 4;");
    sql_history_free(h);
    h = sql_history_open(path, "prod", 3, &cause);
    ck_assert_uint_eq(sql_history_count(h), 1);
    sql_history_free(h);
    /* The password never reached the file. */
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    text = x_calloc(1, 65536);
    len = fread(text, 1, 65535, f);
    fclose(f);
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_null(strstr(text, "hunter2"));
    free(text);
    /* A file others can read is refused, naming the fix. */
    ck_assert_int_eq(chmod(path, 0644), 0);
    h = sql_history_open(path, "local", 3, &cause);
    ck_assert_ptr_null(h);
    ck_assert_ptr_nonnull(strstr(cause, "chmod"));
    free(cause);
    unit_rm_rf(dir);
    free(path);
    free(dir);
}
END_TEST

/* A fresh account: HOME exists and is empty, no XDG variables.  The
 * history's default place (~/.local/state/pgdeck/sql_history) is made with
 * every missing parent, mode 0700; a file where a directory should be is
 * named in the error. */
START_TEST(test_history_fresh_home)
{
    char *home = unit_tmpdir(), *cause = NULL, *p;
    struct sql_history *h;
    struct stat st;

    ck_assert_int_eq(setenv("HOME", home, 1), 0);
    ck_assert_int_eq(unsetenv("XDG_STATE_HOME"), 0);
    h = sql_history_open(NULL, "local", 3, &cause);
    ck_assert_msg(h, "open: %s", cause ? cause : "?");
    ck_assert_int_eq(sql_history_add(h, "select 1;", &cause), 1);
    sql_history_free(h);
    p = x_asprintf("%s/.local/state/pgdeck/sql_history", home);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    free(p);
    p = x_asprintf("%s/.local", home);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    free(p);
    unit_rm_rf(home);
    /* ~/.local is a file: the error names it. */
    ck_assert_int_eq(mkdir(home, 0700), 0);
    free(unit_write_file(home, ".local", "", 0600));
    h = sql_history_open(NULL, "local", 3, &cause);
    ck_assert_ptr_null(h);
    p = x_asprintf("cannot create %s/.local: not a directory", home);
    ck_assert_msg(cause && strstr(cause, p), "cause: %s", cause ? cause : "");
    free(p);
    free(cause);
    unit_rm_rf(home);
    free(home);
}
END_TEST

static Suite *sql_suite(void)
{
    Suite *s = suite_create("sql");
    TCase *tc = tcase_create("sql");

    tcase_add_test(tc, test_complete);
    tcase_add_test(tc, test_secret);
    tcase_add_test(tc, test_byte_at);
    tcase_add_test(tc, test_aligned);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_error);
    tcase_add_test(tc, test_history);
    tcase_add_test(tc, test_history_fresh_home);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    (void)setlocale(LC_CTYPE, "C.UTF-8");
    return unit_run(sql_suite());
}
