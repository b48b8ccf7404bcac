#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/paths.h"
#include "src/xmalloc.h"

static char *paths_xdg(const char *var, const char *fallback);
static const char *paths_env_abs(const char *var);

/* Returns $VAR when it is set to an absolute path, else NULL. */
static const char *paths_env_abs(const char *var)
{
    const char *v = getenv(var);

    if (!v || v[0] != '/')
        return NULL;
    return v;
}

const char *paths_home(void)
{
    static char pw_home[4096];
    const char *h = paths_env_abs("HOME");
    struct passwd *pw;

    if (h)
        return h;
    pw = getpwuid(geteuid());
    if (pw && pw->pw_dir && pw->pw_dir[0] == '/' &&
        strlen(pw->pw_dir) < sizeof pw_home) {
        memcpy(pw_home, pw->pw_dir, strlen(pw->pw_dir) + 1);
        return pw_home;
    }
    return "/";
}

/* $VAR/pgdeck, or ~/FALLBACK/pgdeck. */
static char *paths_xdg(const char *var, const char *fallback)
{
    const char *base = paths_env_abs(var);
    const char *home;

    if (base)
        return x_asprintf("%s/pgdeck", base);
    home = paths_home();
    return x_asprintf("%s/%s/pgdeck", strcmp(home, "/") == 0 ? "" : home,
                      fallback);
}

char *paths_config_file(void)
{
    char *dir = paths_xdg("XDG_CONFIG_HOME", ".config");
    char *p = x_asprintf("%s/config", dir);

    free(dir);
    return p;
}

char *paths_state_dir(void)
{
    return paths_xdg("XDG_STATE_HOME", ".local/state");
}

char *paths_audit_log(void)
{
    char *dir = paths_state_dir();
    char *p = x_asprintf("%s/audit.log", dir);

    free(dir);
    return p;
}

char *paths_platform_dir(void)
{
    const char *v = getenv("PGDECK_PLATFORM_DIR");
    char *dir, *p;

    if (v && *v)
        return x_strdup(v);
    if (geteuid() == 0)
        return x_strdup("/var/lib/pgdeck-platform");
    dir = paths_state_dir();
    p = x_asprintf("%s/platform", dir);
    free(dir);
    return p;
}

char *paths_flyctl_config(void)
{
    const char *v = getenv("FLY_CONFIG_DIR");
    const char *home;

    if (v && *v)
        return x_asprintf("%s/config.yml", v);
    home = paths_home();
    return x_asprintf("%s/.fly/config.yml", strcmp(home, "/") == 0 ? "" : home);
}

char *paths_expand(const char *path)
{
    const char *home;

    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
        return x_strdup(path);
    home = paths_home();
    if (strcmp(home, "/") == 0)
        return x_strdup(path[1] ? path + 1 : "/");
    return x_asprintf("%s%s", home, path + 1);
}

int paths_mkdirs(const char *dir, char **cause)
{
    char *d = x_strdup(dir), *p;
    struct stat st;
    int rc = 0;

    for (p = d + 1;; p++) {
        char c;

        if (*p != '/' && *p != '\0')
            continue;
        c = *p;
        *p = '\0';
        if (mkdir(d, 0700) != 0 && errno != EEXIST) {
            if (cause)
                *cause = x_asprintf("cannot create %s: %s", d, strerror(errno));
            rc = -1;
        } else if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
            if (cause)
                *cause = x_asprintf("cannot create %s: not a directory", d);
            rc = -1;
        }
        *p = c;
        if (rc != 0 || *p == '\0')
            break;
    }
    free(d);
    return rc;
}

int paths_write_private(const char *path, const char *data, size_t len,
                        char **cause)
{
    char *dir = x_strdup(path), *slash = strrchr(dir, '/'), *tmp;
    size_t off = 0;
    int fd, rc = -1;

    if (slash && slash != dir) {
        *slash = '\0';
        if (paths_mkdirs(dir, cause) != 0) {
            free(dir);
            return -1;
        }
    }
    free(dir);
    tmp = x_asprintf("%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        while (off < len) {
            ssize_t n = write(fd, data + off, len - off);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        if (off == len && fsync(fd) == 0 && close(fd) == 0)
            rc = rename(tmp, path) == 0 ? 0 : -1;
        else
            close(fd);
    }
    if (rc != 0) {
        if (cause)
            *cause = x_asprintf("cannot write %s: %s", path, strerror(errno));
        (void)unlink(tmp);
    }
    free(tmp);
    return rc;
}
