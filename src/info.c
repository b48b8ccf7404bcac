#include "config.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libconfig.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/context.h"
#include "src/info.h"
#include "src/paths.h"
#include "src/settings.h"
#include "src/xmalloc.h"

static void info_path(FILE *out, const char *label, const char *path);
static void info_context(FILE *out, const struct context *c, int current);

void info_versions(struct buf *out)
{
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    int pq = PQlibVersion();

    buf_printf(out, "libcurl %s", cv && cv->version ? cv->version : "?");
    if (cv && cv->ssl_version)
        buf_printf(out, " (%s)", cv->ssl_version);
    buf_printf(out, ", libpq %d.%d, cJSON %s, libconfig %d.%d.%d", pq / 10000,
               pq % 10000, cJSON_Version(), LIBCONFIG_VER_MAJOR,
               LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
}

static void info_path(FILE *out, const char *label, const char *path)
{
    fprintf(out, "  %-15s %s%s\n", label, path,
            access(path, F_OK) == 0 ? "" : " (does not exist)");
}

static void info_context(FILE *out, const struct context *c, int current)
{
    static const char marker[] = ": no API token: ";
    struct context_token tok;
    char *where = NULL, *pg, *why = NULL;
    const char *scheme = "unknown (no token)";

    (void)context_token_where(c, &where);
    if (context_token_load(c, &tok, &why) == 0) {
        /* Read only to tell the scheme; wiped at once. */
        scheme = context_auth_name(tok.scheme);
        context_token_clear(&tok);
    } else if (why && strstr(why, "refusing") && strstr(why, marker)) {
        free(where);
        where = x_strdup(strstr(why, marker) + strlen(marker));
        scheme = "unknown (token refused)";
    }
    free(why);
    pg = context_pg_where(c);
    fprintf(out, "%s %s%s\n", current ? "*" : " ", c->name,
            c->builtin ? " (built in)" : "");
    fprintf(out, "    api url:    %s\n", c->api_url);
    fprintf(out, "    org:        %s\n", c->org ? c->org : "personal");
    fprintf(out, "    auth:       %s\n", scheme);
    fprintf(out, "    token:      %s\n", where);
    fprintf(out, "    postgres:   user %s, password from %s\n",
            c->pg_user ? c->pg_user : "postgres", pg);
    fprintf(out, "    read-only:  %s\n", c->read_only ? "yes" : "no");
    if (c->note)
        fprintf(out, "    note:       %s\n", c->note);
    if (c->error)
        fprintf(out, "    error:      %s\n", c->error);
    free(pg);
    free(where);
}

void info_print(FILE *out, const struct settings *s,
                const struct context_set *set, const char *curses_version)
{
    static const char *const source[] = {"default location", "PGDECK_CONFIG",
                                         "--config"};
    static const char *const chosen[] = {
        "chosen with --context", "chosen by the config file",
        "chosen automatically: fly when a Fly token is found, else local"};
    struct buf b = BUF_INIT;
    char *p;
    size_t i;

    fprintf(out, "pgdeck %s\n\nFiles:\n", PACKAGE_VERSION);
    fprintf(out, "  %-15s %s (%s, %s)\n", "config", settings_file(s),
            source[settings_file_source(s)],
            settings_file_read(s) ? "read" : "not found: using defaults");
    p = paths_state_dir();
    info_path(out, "state dir", p);
    free(p);
    p = paths_audit_log();
    info_path(out, "audit log", p);
    free(p);
    p = paths_platform_dir();
    info_path(out, "platform dir", p);
    free(p);
    p = paths_flyctl_config();
    info_path(out, "flyctl config", p);
    free(p);

    fprintf(out, "\nContexts (current: %s, %s):\n", context_current(set)->name,
            chosen[set->chosen]);
    for (i = 0; i < set->n; i++)
        info_context(out, &set->v[i], i == set->current);

    fprintf(out, "\nSettings:\n");
    settings_describe(s, &b);
    fputs(buf_str(&b), out);
    buf_reset(&b);
    if (settings_binding_count(s) > 0) {
        fprintf(out, "  keys:\n");
        for (i = 0; i < settings_binding_count(s); i++) {
            const struct settings_binding *k = settings_binding_at(s, i);
            char *name = settings_key_format(&k->key);

            fprintf(out, "    %s = \"%s\" (file, line %d)\n",
                    settings_action_name(k->action), name, k->line);
            free(name);
        }
    }

    info_versions(&b);
    fprintf(out, "\nLibraries: %s%s%s\n", buf_str(&b),
            curses_version ? ", " : "", curses_version ? curses_version : "");
    buf_free(&b);
}
