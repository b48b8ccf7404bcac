/*
 * fuzz_filter: libFuzzer target for the `/` filter language.  Any input
 * must parse or fail with a message; a parsed filter must match a subject
 * without fault, and free cleanly.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "ui/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const texts[] = {"acme-db", "148e0a1b2c3d4e"};
    static const char *const regions[] = {"iad", "ams"};
    static const char *const roles[] = {"primary", "replica"};
    static const char *const states[] = {"started"};
    const struct filter_subject subj = {texts, 2, regions, 2,
                                        roles, 2, states,  1};
    const struct filter_subject empty = {NULL, 0, NULL, 0, NULL, 0, NULL, 0};
    struct filter *f = NULL;
    char *text = x_malloc(size + 1), *cause = NULL;
    int rc;

    memcpy(text, data, size);
    text[size] = '\0';
    rc = filter_parse(text, &f, &cause);
    if (rc < 0 && (!cause || !*cause))
        fatalx("fuzz_filter: failure without a message");
    if (rc < 0 && f)
        fatalx("fuzz_filter: failure with a filter");
    if (rc == 0 && cause)
        fatalx("fuzz_filter: success with a message");
    if (rc == 0) {
        int m = filter_match(f, &subj), e = filter_match(f, &empty);

        if ((m != 0 && m != 1) || (e != 0 && e != 1))
            fatalx("fuzz_filter: a match that is neither 0 nor 1");
        if (!f && (!m || !e))
            fatalx("fuzz_filter: no filter refused a row");
    }
    filter_free(f);
    free(cause);
    free(text);
    return 0;
}
