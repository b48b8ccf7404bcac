#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "src/log.h"
#include "src/xmalloc.h"

static FILE *log_file;
static void (*log_die_hook)(void);

int log_open(const char *path, char **cause)
{
    int fd;

    log_close();
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
        log_file = fdopen(fd, "a");
    if (!log_file) {
        if (cause)
            *cause =
                x_asprintf("cannot open log %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setvbuf(log_file, NULL, _IOLBF, 0);
    return 0;
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

int log_enabled(void)
{
    return log_file ? 1 : 0;
}

static void log_vwrite(FILE *f, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void log_vwrite(FILE *f, const char *fmt, va_list ap)
{
    struct timeval tv;
    struct tm tm;
    char when[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(f, "%s.%03ldZ [%ld] ", when, (long)(tv.tv_usec / 1000),
            (long)getpid());
    vfprintf(f, fmt, ap);
    fputc('\n', f);
}

void log_msg(const char *fmt, ...)
{
    va_list ap;

    if (!log_file)
        return;
    va_start(ap, fmt);
    log_vwrite(log_file, fmt, ap);
    va_end(ap);
}

void log_set_die_hook(void (*hook)(void))
{
    log_die_hook = hook;
}

static void log_run_die_hook(void)
{
    void (*hook)(void) = log_die_hook;

    log_die_hook = NULL; /* once, even if the hook itself dies */
    if (hook)
        hook();
}

void fatal(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    log_run_die_hook();
    fputs("pgdeck: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(saved));
    abort();
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    log_run_die_hook();
    fputs("pgdeck: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
