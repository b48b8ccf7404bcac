/*
 * fuzz_theme: libFuzzer target for theme files (theme_parse).  Any input
 * must parse or fail with a message naming the file; a failure leaves the
 * theme untouched.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "ui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct theme t, before;
    char *text = x_malloc(size + 1), *cause = NULL;
    int rc;

    memcpy(text, data, size);
    text[size] = '\0';
    theme_builtin(&t, 0);
    before = t;
    rc = theme_parse("fuzz.cfg", "fuzz", text, &t, &cause);
    if (rc < 0 && (!cause || strncmp(cause, "fuzz.cfg", 8) != 0))
        fatalx("fuzz_theme: failure without a message naming the file");
    if (rc == 0 && cause)
        fatalx("fuzz_theme: success with a message");
    if (rc < 0 && memcmp(&t, &before, sizeof t) != 0)
        fatalx("fuzz_theme: a failed parse changed the theme");
    free(cause);
    free(text);
    return 0;
}
