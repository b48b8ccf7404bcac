#include "config.h"

#include <sys/resource.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "src/harden.h"

void harden_process(void)
{
    struct rlimit none = {0, 0};

    (void)setrlimit(RLIMIT_CORE, &none);
#ifdef HAVE_SYS_PRCTL_H
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}
