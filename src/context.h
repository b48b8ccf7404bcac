/*
 * context: which platform API pgdeck talks to, and with which credentials.
 *
 * A context is {name, API base URL, token source, org slug, Postgres
 * credential source, read-only flag}.  context_set_build() turns the
 * settings (contexts of the config file) plus the environment into the
 * usable set: the built-in `local` (pgdeck-platformd: url, token and pgpass
 * files in its state dir) and `fly` (https://api.machines.dev or
 * $FLY_FLAPS_BASE_URL; FLY_ACCESS_TOKEN, FLY_API_TOKEN, then flyctl's
 * config.yml), then the file's own contexts, and picks the current one.
 *
 * Building a set never reads a token: it only records where each token
 * comes from.  context_token_load() reads one when a caller needs it; the
 * caller wipes it with context_token_clear().  No function here prints,
 * logs or puts a token in a message.
 *
 * Collaborators: settings (the file's contexts, read_only), paths (state
 * dirs, flyctl config), http (the Authorization header), probe (Postgres
 * credentials), info (where each token comes from).
 */
#ifndef PGDECK_SRC_CONTEXT_H
#define PGDECK_SRC_CONTEXT_H

#include <stddef.h>

#include "src/settings.h"

/* The default API port of pgdeck-platformd, when its url file is missing. */
#define CONTEXT_LOCAL_URL "http://127.0.0.1:4280"
#define CONTEXT_FLY_URL "https://api.machines.dev"
#define CONTEXT_FLY_GRAPHQL_URL "https://api.fly.io"

enum context_auth {
    CONTEXT_AUTH_BEARER, /* Authorization: Bearer TOKEN */
    CONTEXT_AUTH_FLYV1   /* Authorization: FlyV1 TOKEN (macaroons) */
};

/* A usable context.  Every string is owned by the set. */
struct context {
    char *name;
    char *api_url; /* normalized, no trailing slash */
    char *org;
    enum settings_token token; /* never SETTINGS_TOKEN_UNSET */
    char *token_arg;           /* ENV: variable; FILE, PLATFORM: path */
    enum settings_pgcred pgcred;
    char *pgcred_arg; /* PASSFILE: path; ENV: variable */
    char *pg_user;
    int read_only;
    int builtin;
    char *error; /* why it cannot be used (bad FLY_FLAPS_BASE_URL, ...) */
    char *note;  /* something worth showing in `pgdeck info`, or NULL */
};

/* How the current context was chosen. */
enum context_chosen {
    CONTEXT_CHOSEN_OPTION, /* --context NAME */
    CONTEXT_CHOSEN_FILE,   /* context = "NAME"; in the config file */
    CONTEXT_CHOSEN_AUTO    /* fly when a Fly token exists, else local */
};

struct context_set {
    struct context *v; /* local, fly, then the file's contexts */
    size_t n;
    size_t current;
    enum context_chosen chosen;
};

/* Builds the contexts of S and chooses the current one: OPTION_NAME
 * (--context, may be NULL), else the file's `context`, else fly when a Fly
 * token is found, else local.  Returns 0 with *out set (owned by the
 * caller: context_set_free()), or -1 with *cause set (an unknown
 * OPTION_NAME, with a suggestion and the known names). */
int context_set_build(const struct settings *s, const char *option_name,
                      struct context_set **out, char **cause);
void context_set_free(struct context_set *set);

/* Where C's GraphQL API is, without the "/graphql" path (owned):
 * $FLY_API_BASE_URL when set, else https://api.fly.io when C talks to the
 * real Machines API, else C's own api_url (pgdeck-platformd serves both). */
char *context_graphql_url(const struct context *c);

/* The current context (borrowed from SET). */
const struct context *context_current(const struct context_set *set);
/* The context called NAME, or NULL (borrowed). */
const struct context *context_find(const struct context_set *set,
                                   const char *name);

/* Where C's token comes from, for people: "environment variable
 * FLY_API_TOKEN", "file /x/token", "flyctl config /h/.fly/config.yml",
 * "not found (...)".  Returns 0 when a token is there, -1 when not; *where
 * is set in both cases (owned by the caller).  Reads the flyctl config to
 * tell, but keeps no token. */
int context_token_where(const struct context *c, char **where);

/* A token read for use.  VALUE is owned: release with context_token_clear,
 * which wipes it. */
struct context_token {
    char *value; /* for the Machines API, without a scheme: the macaroons
                    when there are any, else the OAuth tokens */
    enum context_auth scheme;
    char *all; /* for GraphQL: the macaroons then the OAuth tokens */
    enum context_auth all_scheme;
    char *where; /* as context_token_where() */
};

/* Reads C's token.  Token files (and the platform's) must not be readable
 * or writable by group or others; the flyctl config must not be writable by
 * them.  Returns 0, or -1 with *cause set (never containing the token). */
int context_token_load(const struct context *c, struct context_token *tok,
                       char **cause);
void context_token_clear(struct context_token *tok);

/* TOKEN as fly-go's tokens package sends it: "Bearer " / "FlyV1 " schemes
 * dropped, the comma list split, each part a macaroon (fm1r_, fm1a_, fm2_)
 * or an OAuth token; the macaroons alone when there are any (ALL: then the
 * OAuth tokens after them, as GraphQL gets them), else the OAuth tokens.
 * *SCHEME: FlyV1 when there is a macaroon, else Bearer.  Owned; wipe. */
char *context_token_normalize(const char *token, int all,
                              enum context_auth *scheme);
/* The scheme TOKEN calls for (context_token_normalize's). */
enum context_auth context_token_scheme(const char *token);
/* "Bearer" or "FlyV1". */
const char *context_auth_name(enum context_auth auth);
/* "Authorization: SCHEME VALUE"; owned by the caller, who wipes it
 * (x_wipe) before freeing. */
char *context_auth_header(const struct context_token *tok);

/* Finds `access_token: VALUE` at the top level of a flyctl config.yml
 * (the subset of YAML flyctl writes: plain, '...' or "..." scalars).
 * Returns 0 with *token set (owned, wipe it) or -1 when there is none. */
int context_flyctl_parse(const char *text, char **token);

/* Where C's Postgres password comes from, for people ("passfile PATH",
 * "environment variable NAME", "libpq defaults"), with " (not found)" and
 * the like appended when it is missing or refused.  Owned by the caller. */
char *context_pg_where(const struct context *c);

/* Checks that PATH may hold a secret: a regular file, not writable by
 * group or others, and when READ_PRIVATE not readable by them either.
 * Returns 0, or -1 with *cause set ("... fix it with: chmod 600 PATH"). */
int context_file_check(const char *path, int read_private, char **cause);

#endif
