/*
 * appsecrets: the secrets pgdeck makes for the clusters it creates and
 * restores, and the secrets versions it has seen (doc/architecture.md
 * "Secrets and the flex boot").
 *
 * A create or restore plan sets postgres-flex's secrets on the new app:
 * three passwords pgdeck generates and the Consul URL the platform issues.
 * Their values never enter a plan, its journal, the audit log, argv or the
 * screen: a plan holds "${secret:NAME}" and the runner expands it only in
 * the request it sends (appsecrets_expand).  The values live in
 * <state>/secrets/APP.env (0600 in a 0700 directory), a NAME=value a line,
 * for the operator to read once the cluster exists; the first line names
 * the plan that wrote it, and a new create or restore of the same app
 * starts the file afresh.
 *
 * The secrets version the API answers is kept per context and app in
 * <state>/secrets/minvers, as flyctl keeps it, so that machines created
 * later (clones) boot with those secrets: min_secrets_version.
 *
 * Collaborators: paths (the files), plan_run (expansion, captures),
 * act_cli (where the operator finds them), actions (min_secrets_version).
 */
#ifndef PGDECK_SRC_APPSECRETS_H
#define PGDECK_SRC_APPSECRETS_H

/* <state>/secrets/APP.env.  Owned. */
char *appsecrets_path(const char *app);

/*
 * TEXT with every "${secret:NAME}" replaced by the value of NAME in APP's
 * file of plan PLAN_ID; a missing NAME ending in _PASSWORD is generated
 * (24 random letters and digits) and saved before it is used.  Returns
 * the text (owned; wipe it after use), or NULL with *cause (a secret that
 * is neither known nor a password, or the file cannot be written).
 */
char *appsecrets_expand(const char *app, const char *plan_id, const char *text,
                        char **cause);

/* Keeps VALUE as NAME in APP's file of plan PLAN_ID.  0 or -1 with
 * *cause. */
int appsecrets_set(const char *app, const char *plan_id, const char *name,
                   const char *value, char **cause);

/* The secrets version last seen for APP in CONTEXT, or 0 (unknown). */
long long appsecrets_minvers(const char *context, const char *app);

/* Keeps VERSION as APP's in CONTEXT.  0 or -1 with *cause. */
int appsecrets_minvers_save(const char *context, const char *app,
                            long long version, char **cause);

#endif
