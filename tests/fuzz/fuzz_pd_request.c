/*
 * fuzz_pd_request: libFuzzer target for what pgdeck-platformd makes of a
 * request before any process is touched.  The input is
 * "METHOD PATH\nAUTHORIZATION\nBODY": the route table is searched with the
 * path (its parameters must lie inside it), the Authorization header is
 * compared with the token, and the body, when it is JSON, goes through
 * the machine config checks and normalisation of create and update, the
 * duration and signal parsers.  Nothing may crash or leak; a refusal
 * comes with a message.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/http.h"
#include "src/platformd/ops.h"
#include "src/platformd/parse.h"
#include "src/platformd/route.h"
#include "src/platformd/state.h"

#define FUZZ_TOKEN "fuzz-token-0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of *P (up to '\n' or the end), NUL-terminated in place. */
static char *fuzz_line(char **p)
{
    char *s = *p, *nl = strchr(s, '\n');

    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

/* Whether header H should pass: a Bearer or FlyV1 scheme (any case),
 * spaces, then exactly the token. */
static int fuzz_auth_expected(const char *h)
{
    const char *g;

    if (strncasecmp(h, "Bearer ", 7) == 0)
        g = h + 7;
    else if (strncasecmp(h, "FlyV1 ", 6) == 0)
        g = h + 6;
    else
        return 0;
    g += strspn(g, " ");
    return strcmp(g, FUZZ_TOKEN) == 0;
}

static void fuzz_route(char *line)
{
    const struct route *rt = NULL;
    const char *params[ROUTE_MAX_PARAMS];
    size_t np = 0, i, len;
    char *sp = strchr(line, ' ');
    const char *method = line;
    char *path;

    if (!sp)
        return;
    *sp = '\0';
    path = sp + 1;
    len = strlen(path);
    if (route_find(route_table, route_table_len, method, path, &rt, params,
                   &np) != ROUTE_FOUND)
        return;
    if (!rt || np > ROUTE_MAX_PARAMS)
        fatalx("fuzz_pd_request: a found route without its entry");
    for (i = 0; i < np; i++)
        if (params[i] < path || params[i] > path + len)
            fatalx("fuzz_pd_request: a parameter outside the path");
}

static void fuzz_config(const cJSON *config)
{
    char *cause = NULL;
    cJSON *norm;

    if (ops_config_check("fuzzapp", config, NULL, &cause) == -1) {
        if (!cause || !*cause)
            fatalx("fuzz_pd_request: a refused config without a message");
        free(cause);
        return;
    }
    st_lock();
    norm = ops_config_for_update("fuzzapp", config, NULL, &cause);
    st_unlock();
    if (!norm && (!cause || !*cause))
        fatalx("fuzz_pd_request: a refused update without a message");
    cJSON_Delete(norm);
    free(cause);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char *text = x_malloc(size + 1), *p = text, *line, *auth;
    cJSON *body;
    long long ms;

    if (!ready) {
        st_init("/nonexistent/pgdeck-fuzz");
        ready = 1;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    line = fuzz_line(&p);
    auth = fuzz_line(&p);
    fuzz_route(line);
    if (http_auth_ok(auth, FUZZ_TOKEN) != fuzz_auth_expected(auth))
        fatalx("fuzz_pd_request: the token check disagrees");
    body = cJSON_Parse(p);
    if (body) {
        fuzz_config(cJSON_GetObjectItemCaseSensitive(body, "config"));
        (void)parse_json_duration_ms(
            cJSON_GetObjectItemCaseSensitive(body, "timeout"), &ms);
        (void)parse_json_signal(
            cJSON_GetObjectItemCaseSensitive(body, "signal"));
        cJSON_Delete(body);
    }
    free(text);
    return 0;
}
