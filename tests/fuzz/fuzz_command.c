/*
 * fuzz_command: libFuzzer target for the `:` command line.  Any input must
 * parse or fail with a message; a command that takes a NAME has one.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/log.h"
#include "src/xmalloc.h"

#include "ui/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct command c;
    char *text = x_malloc(size + 1), *cause = NULL;
    int rc;

    memcpy(text, data, size);
    text[size] = '\0';
    memset(&c, 0, sizeof c);
    rc = command_parse(text, &c, &cause);
    if (rc < 0 && (!cause || !*cause))
        fatalx("fuzz_command: failure without a message");
    if (rc == 0 && cause)
        fatalx("fuzz_command: success with a message");
    if (rc == 0 &&
        (c.kind == COMMAND_CLUSTER || c.kind == COMMAND_CTX ||
         c.kind == COMMAND_THEME) &&
        (!c.arg || !*c.arg))
        fatalx("fuzz_command: a command without its NAME");
    if (rc == 0)
        command_clear(&c);
    free(cause);
    free(text);
    return 0;
}
