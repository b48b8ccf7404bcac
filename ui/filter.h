/*
 * filter: the `/` filter language (pure).
 *
 *   region:iad          rows in region iad (clusters: any node there)
 *   role:replica        rows with that role (clusters: any node has it)
 *   state:started       machine state (nodes) or verdict (clusters)
 *   region:iad,ams      either value
 *   !region:ams  !text  negation (k9s `/!`)
 *   text                case-insensitive substring of the row's name/id
 *
 * Terms are separated by spaces and must all hold; keys and values are
 * case-insensitive.  An empty text is "no filter".
 *
 * Collaborators: fleet and cluster views (build subjects from the model),
 * app (the filter input line shows parse errors in the status line).
 */
#ifndef PGDECK_UI_FILTER_H
#define PGDECK_UI_FILTER_H

#include <stddef.h>

struct filter;

/* What a row offers to be matched.  Every pointer is borrowed for the
 * call. */
struct filter_subject {
    const char *const *texts; /* name, id, ...: free text matches any */
    size_t n_texts;
    const char *const *regions;
    size_t n_regions;
    const char *const *roles;
    size_t n_roles;
    const char *const *states;
    size_t n_states;
};

/* Parses TEXT.  Returns 0 with *out set (NULL for an empty filter; owned:
 * filter_free()), or -1 with *cause set ("unknown filter key \"regoin\"
 * (did you mean \"region\"?)", owned by the caller). */
int filter_parse(const char *text, struct filter **out, char **cause);
void filter_free(struct filter *f);

/* Whether S passes F (NULL F passes everything). */
int filter_match(const struct filter *f, const struct filter_subject *s);

#endif
