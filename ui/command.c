#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/settings.h"
#include "src/xmalloc.h"

#include "ui/command.h"

static const struct {
    const char *name;
    enum command_kind kind;
    int takes_arg;
} command_table[] = {
    {"clusters", COMMAND_CLUSTERS, 0},
    {"cl", COMMAND_CLUSTERS, 0},
    {"fleet", COMMAND_CLUSTERS, 0},
    {"cluster", COMMAND_CLUSTER, 1},
    {"c", COMMAND_CLUSTER, 1},
    {"ctx", COMMAND_CTX, 1},
    {"context", COMMAND_CTX, 1},
    {"theme", COMMAND_THEME, 1},
    {"help", COMMAND_HELP, 0},
    {"h", COMMAND_HELP, 0},
    {"q", COMMAND_QUIT, 0},
    {"quit", COMMAND_QUIT, 0},
    {"q!", COMMAND_QUIT, 0},
    {"exit", COMMAND_QUIT, 0},
};
#define COMMAND_N (sizeof command_table / sizeof command_table[0])

int command_parse(const char *text, struct command *out, char **cause)
{
    const char *words[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0}, nw = 0, i;
    const char *p = text;
    char *w0;

    memset(out, 0, sizeof *out);
    while (*p == ' ')
        p++;
    if (*p == ':')
        p++;
    while (*p && nw < 3) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        words[nw] = p;
        lens[nw] = strcspn(p, " \t");
        p += lens[nw];
        nw++;
    }
    if (nw == 0)
        return 0;
    w0 = x_strndup(words[0], lens[0]);
    for (i = 0; i < COMMAND_N; i++)
        if (strcmp(w0, command_table[i].name) == 0)
            break;
    if (i == COMMAND_N) {
        const char *names[] = {"clusters", "cluster", "ctx",
                               "theme",    "help",    "quit"};
        const char *hint = settings_suggest(w0, names, 6);

        if (cause)
            *cause =
                x_asprintf("unknown command \"%s\"%s%s%s; %s", w0,
                           hint ? " (did you mean \"" : "", hint ? hint : "",
                           hint ? "\"?)" : "", command_summary());
        free(w0);
        return -1;
    }
    if (command_table[i].takes_arg && nw < 2) {
        if (cause)
            *cause = x_asprintf(":%s needs a NAME", w0);
        free(w0);
        return -1;
    }
    if ((int)nw > 1 + command_table[i].takes_arg) {
        if (cause)
            *cause = x_asprintf(":%s takes %s", w0,
                                command_table[i].takes_arg ? "one NAME"
                                                           : "no argument");
        free(w0);
        return -1;
    }
    if (command_table[i].takes_arg) {
        char *arg = x_strndup(words[1], lens[1]);

        if (!settings_name_valid(arg)) {
            if (cause)
                *cause = x_asprintf(":%s: bad name \"%s\" (letters, digits, "
                                    "'.', '_', '-')",
                                    w0, arg);
            free(arg);
            free(w0);
            return -1;
        }
        out->arg = arg;
    }
    out->kind = command_table[i].kind;
    free(w0);
    return 0;
}

void command_clear(struct command *c)
{
    free(c->arg);
    c->arg = NULL;
    c->kind = COMMAND_NONE;
}

const char *command_summary(void)
{
    return "commands: :clusters  :cluster NAME  :ctx NAME  :theme NAME  "
           ":help  :q";
}
