/*
 * command: the `:` command line (pure parsing).
 *
 *   :clusters (:cl, :fleet)   the fleet view
 *   :cluster NAME (:c NAME)   that cluster's view
 *   :ctx NAME (:context)      switch to another context
 *   :theme NAME               switch the color theme
 *   :help (:h)                the help of the current view
 *   :q (:quit, :q!, :exit)    quit
 *
 * Collaborators: app (runs the parsed command), the input line.
 */
#ifndef PGDECK_UI_COMMAND_H
#define PGDECK_UI_COMMAND_H

enum command_kind {
    COMMAND_NONE, /* empty line: nothing to do */
    COMMAND_CLUSTERS,
    COMMAND_CLUSTER,
    COMMAND_CTX,
    COMMAND_THEME,
    COMMAND_HELP,
    COMMAND_QUIT
};

struct command {
    enum command_kind kind;
    char *arg; /* NAME for CLUSTER, CTX, THEME; owned; else NULL */
};

/* Parses TEXT (with or without the leading ':').  Returns 0 with *out
 * filled (command_clear() it), or -1 with *cause set ("unknown command
 * \"clustr\" (did you mean \"cluster\"?)", "cluster needs a NAME", ...;
 * owned by the caller). */
int command_parse(const char *text, struct command *out, char **cause);
void command_clear(struct command *c);

/* The one-line summary of the commands, for the help screen; static. */
const char *command_summary(void);

#endif
