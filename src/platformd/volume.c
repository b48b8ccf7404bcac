/*
 * volume: directories (and, as root, loop-mounted ext4 images) standing for
 * Fly volumes; snapshots as real copies.
 *
 * Layout under the state dir:
 *   volumes/<id>/              the directory standing for /data
 *   volumes/<id>.img           loop mode: the sparse ext4 image
 *   volumes/<id>.resize        loop mode: a grow waiting for the unmount
 *   snapshots/<snap>/postgresql  a copy of the data directory
 * The filler of vol_fill is volumes/<id>/.pgdeck-fill.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "src/buf.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/rt_internal.h"
#include "src/platformd/volume.h"

#define VOL_FILLER ".pgdeck-fill"
#define VOL_BLOCK 4096ULL

static char *vol_state;
static enum vol_mode vol_mode_cur = VOL_MODE_DIR;
/* nftw has no user pointer: walks are serialised by this lock. */
static pthread_mutex_t vol_walk_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t vol_walk_bytes;

static char *vol_file(const char *id, const char *suffix);
static int vol_is_mounted(const char *dir);
static int vol_run(const char *what, const char *const argv[], int as_self,
                   char **cause);
static int vol_mount(const char *id, char **cause);
static int vol_umount(const char *dir);
static int vol_walk_one(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw);
static uint64_t vol_tree_bytes(const char *dir);
static int vol_copy_tree(const char *from, const char *to, char **cause);
static int vol_check_id(const char *id, char **cause);

static int vol_check_id(const char *id, char **cause)
{
    if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 ||
        strcmp(id, "..") == 0) {
        if (cause)
            *cause = x_strdup("invalid volume or snapshot id");
        return -1;
    }
    return 0;
}

static char *vol_file(const char *id, const char *suffix)
{
    return x_asprintf("%s/volumes/%s%s", vol_state, id, suffix);
}

/* Whether DIR is a mount point (listed in /proc/self/mountinfo). */
static int vol_is_mounted(const char *dir)
{
    char *text = proc_read_file("/proc/self/mountinfo", 4 * 1024 * 1024);
    char *line, *save = NULL;
    int found = 0;

    if (!text)
        return 0;
    for (line = strtok_r(text, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        /* id parent major:minor root mountpoint ... */
        char *p = line;
        for (int f = 0; f < 4 && p; f++) {
            p = strchr(p, ' ');
            if (p)
                p++;
        }
        if (p) {
            size_t n = strcspn(p, " ");
            if (n == strlen(dir) && strncmp(p, dir, n) == 0)
                found = 1;
        }
    }
    free(text);
    return found;
}

static int vol_run(const char *what, const char *const argv[], int as_self,
                   char **cause)
{
    struct runas_opts o = {120, NULL, NULL, NULL, as_self};

    return runas_check(what, argv, &o, cause);
}

static int vol_mount(const char *id, char **cause)
{
    char *img = vol_file(id, ".img"), *dir = vol_file(id, "");
    const char *argv[] = {"/bin/mount", "-o", "loop", img, dir, NULL};
    int rc = 0;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", dir, strerror(errno));
        rc = -1;
    } else if (!vol_is_mounted(dir)) {
        rc = vol_run("mount", argv, 1, cause);
    }
    if (rc == 0)
        rc = runas_chown_dir(dir, 0700, cause);
    free(img);
    free(dir);
    return rc;
}

static int vol_umount(const char *dir)
{
    const char *argv[] = {"/bin/umount", dir, NULL};
    char *c = NULL;
    int rc;

    if (!vol_is_mounted(dir))
        return 0;
    rc = vol_run("umount", argv, 1, &c);
    if (rc != 0)
        log_msg("volume: %s", c);
    free(c);
    return rc;
}

int vol_init(const char *state_dir, enum vol_mode mode, char **cause)
{
    char *dir;

    free(vol_state);
    vol_state = x_strdup(state_dir);
    vol_mode_cur = mode;
    if (mode == VOL_MODE_LOOP && geteuid() != 0) {
        if (cause)
            *cause = x_strdup("--volumes loop needs root (mount -o loop)");
        return -1;
    }
    dir = x_asprintf("%s/volumes", state_dir);
    if (mkdir(dir, 0711) != 0 && errno != EEXIST) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    chmod(dir, 0711);
    free(dir);
    dir = x_asprintf("%s/snapshots", state_dir);
    if (mkdir(dir, 0711) != 0 && errno != EEXIST) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    chmod(dir, 0711);
    free(dir);
    if (mode == VOL_MODE_LOOP) {
        /* Recover: mount every image a previous run left unmounted. */
        char *vdir = x_asprintf("%s/volumes", state_dir);
        DIR *d = opendir(vdir);
        struct dirent *e;

        while (d && (e = readdir(d))) {
            size_t n = strlen(e->d_name);

            if (n > 4 && strcmp(e->d_name + n - 4, ".img") == 0) {
                char *id = x_strndup(e->d_name, n - 4), *c = NULL;

                vol_apply_pending(id);
                if (vol_mount(id, &c) != 0)
                    log_msg("volume %s: %s", id, c ? c : "cannot mount");
                free(c);
                free(id);
            }
        }
        if (d)
            closedir(d);
        free(vdir);
    }
    return 0;
}

void vol_shutdown(void)
{
    char *vdir, *text, *line, *save = NULL, *prefix;
    size_t plen;

    if (!vol_state)
        return;
    vdir = x_asprintf("%s/volumes/", vol_state);
    prefix = vdir;
    plen = strlen(prefix);
    text = proc_read_file("/proc/self/mountinfo", 4 * 1024 * 1024);
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *p = line;
        for (int f = 0; f < 4 && p; f++) {
            p = strchr(p, ' ');
            if (p)
                p++;
        }
        if (p && strncmp(p, prefix, plen) == 0) {
            char *mp = x_strndup(p, strcspn(p, " "));
            vol_umount(mp);
            free(mp);
        }
    }
    free(text);
    free(vdir);
    free(vol_state);
    vol_state = NULL;
}

char *vol_path(const char *id)
{
    char *p;
    struct stat st;

    if (!vol_state || vol_check_id(id, NULL) != 0)
        return NULL;
    p = vol_file(id, "");
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(p);
        return NULL;
    }
    return p;
}

static int vol_copy_tree(const char *from, const char *to, char **cause)
{
    const char *argv[] = {"/bin/cp", "-a", "--", from, to, NULL};

    return vol_run("copy", argv, 1, cause);
}

int vol_create(const char *id, uint64_t size_bytes, const char *from_snapshot,
               const char *from_volume, char **path, char **cause)
{
    char *dir, *src = NULL, *dst;
    int rc = 0;

    if (vol_check_id(id, cause) != 0)
        return -1;
    if (!vol_state) {
        if (cause)
            *cause = x_strdup("volumes are not initialised");
        return -1;
    }
    dir = vol_file(id, "");
    if (vol_mode_cur == VOL_MODE_LOOP) {
        char *img = vol_file(id, ".img");
        int fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        const char *mkfs[] = {
            "/sbin/mkfs.ext4", "-q", "-F", "-m", "0", img, NULL};

        if (fd < 0 || ftruncate(fd, (off_t)size_bytes) != 0) {
            if (cause)
                *cause = x_asprintf("cannot make %s: %s", img, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(img);
            free(dir);
            return -1;
        }
        close(fd);
        rc = vol_run("mkfs.ext4", mkfs, 1, cause);
        if (rc == 0)
            rc = vol_mount(id, cause);
        if (rc != 0)
            unlink(img);
        free(img);
    } else {
        if (mkdir(dir, 0700) != 0) {
            if (cause)
                *cause = x_asprintf("cannot make %s: %s", dir, strerror(errno));
            free(dir);
            return -1;
        }
        rc = runas_chown_dir(dir, 0700, cause);
    }
    if (rc == 0 && from_snapshot) {
        if (vol_check_id(from_snapshot, cause) != 0)
            rc = -1;
        else
            src = x_asprintf("%s/snapshots/%s/postgresql", vol_state,
                             from_snapshot);
    } else if (rc == 0 && from_volume) {
        if (vol_check_id(from_volume, cause) != 0)
            rc = -1;
        else
            src =
                x_asprintf("%s/volumes/%s/postgresql", vol_state, from_volume);
    }
    if (rc == 0 && src) {
        struct stat st;

        if (stat(src, &st) != 0) {
            if (cause)
                *cause = x_asprintf("nothing to restore: %s is missing", src);
            rc = -1;
        } else {
            dst = x_asprintf("%s/postgresql", dir);
            rc = vol_copy_tree(src, dst, cause);
            if (rc == 0 && runas_ident()->drop) {
                char *own = x_asprintf("%s:", runas_ident()->name);
                const char *chown[] = {"/bin/chown", "-R", own, dst, NULL};
                rc = vol_run("chown", chown, 1, cause);
                free(own);
            }
            free(dst);
        }
    }
    free(src);
    if (rc != 0) {
        char *c = NULL;
        vol_destroy(id, &c);
        free(c);
        free(dir);
        return -1;
    }
    if (path)
        *path = dir;
    else
        free(dir);
    return 0;
}

static int vol_walk_one(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag != FTW_NS)
        vol_walk_bytes += (uint64_t)sb->st_blocks * 512ULL;
    return 0;
}

static uint64_t vol_tree_bytes(const char *dir)
{
    uint64_t total;

    pthread_mutex_lock(&vol_walk_lock);
    vol_walk_bytes = 0;
    nftw(dir, vol_walk_one, 32, FTW_PHYS | FTW_MOUNT);
    total = vol_walk_bytes;
    pthread_mutex_unlock(&vol_walk_lock);
    return total;
}

int vol_usage(const char *id, uint64_t size_bytes, struct vol_usage *u,
              char **cause)
{
    char *dir = vol_path(id);

    memset(u, 0, sizeof *u);
    u->fstype = "ext4";
    if (!dir) {
        if (cause)
            *cause = x_asprintf("volume %s does not exist", id ? id : "");
        return -1;
    }
    u->bytes_total = size_bytes;
    if (vol_mode_cur == VOL_MODE_LOOP && vol_is_mounted(dir)) {
        struct statvfs sv;

        if (statvfs(dir, &sv) != 0) {
            if (cause)
                *cause = x_asprintf("statvfs %s: %s", dir, strerror(errno));
            free(dir);
            return -1;
        }
        u->block_size = sv.f_frsize;
        u->blocks = sv.f_blocks;
        u->blocks_free = sv.f_bfree;
        u->blocks_avail = sv.f_bavail;
        u->bytes_used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
        /* What the filesystem holds, less ext4's own metadata: the same
         * figure blocks x block_size gives, as on Fly. */
        u->bytes_total = (uint64_t)sv.f_blocks * sv.f_frsize;
    } else {
        uint64_t used = vol_tree_bytes(dir);

        u->block_size = VOL_BLOCK;
        u->blocks = size_bytes / VOL_BLOCK;
        u->bytes_used = used;
        u->blocks_free =
            used >= size_bytes ? 0 : (size_bytes - used) / VOL_BLOCK;
        u->blocks_avail = u->blocks_free;
    }
    free(dir);
    return 0;
}

int vol_extend(const char *id, uint64_t old_size, uint64_t new_size,
               int *needs_restart, char **cause)
{
    char *dir = vol_path(id);

    if (needs_restart)
        *needs_restart = 0;
    if (!dir) {
        if (cause)
            *cause = x_asprintf("volume %s does not exist", id ? id : "");
        return -1;
    }
    if (new_size < old_size) {
        if (cause)
            *cause = x_strdup("a volume cannot shrink");
        free(dir);
        return -1;
    }
    if (vol_mode_cur == VOL_MODE_LOOP) {
        /* Online resize2fs is denied here (no CAP_SYS_RESOURCE): grow the
         * image now, resize the filesystem when it is next unmounted (the
         * machine's stop) or right away when nothing uses it. */
        char *img = vol_file(id, ".img"), *mark = vol_file(id, ".resize");
        int rc = truncate(img, (off_t)new_size);

        if (rc != 0) {
            if (cause)
                *cause = x_asprintf("cannot grow %s: %s", img, strerror(errno));
        } else {
            char *c = NULL;

            rc = runas_write_file(mark, "grow\n", 0600, cause);
            if (rc == 0 && vol_umount(dir) == 0) {
                vol_apply_pending(id);
                if (vol_mount(id, &c) != 0) {
                    if (cause)
                        *cause = c;
                    else
                        free(c);
                    c = NULL;
                    rc = -1;
                }
            } else if (rc == 0 && needs_restart) {
                *needs_restart = 1;
            }
            free(c);
        }
        free(img);
        free(mark);
        free(dir);
        return rc;
    }
    free(dir);
    return 0;
}

void vol_apply_pending(const char *id)
{
    char *mark, *img, *dir, *c = NULL;
    struct stat st;

    if (!vol_state || vol_mode_cur != VOL_MODE_LOOP || !id)
        return;
    mark = vol_file(id, ".resize");
    img = vol_file(id, ".img");
    dir = vol_file(id, "");
    if (stat(mark, &st) == 0 && vol_umount(dir) == 0) {
        const char *fsck[] = {"/sbin/e2fsck", "-f", "-p", img, NULL};
        const char *grow[] = {"/sbin/resize2fs", img, NULL};

        vol_run("e2fsck", fsck, 1, &c);
        free(c);
        c = NULL;
        if (vol_run("resize2fs", grow, 1, &c) == 0)
            unlink(mark);
        else
            log_msg("volume %s: %s", id, c);
        free(c);
        c = NULL;
        if (vol_mount(id, &c) != 0)
            log_msg("volume %s: %s", id, c);
        free(c);
    }
    free(mark);
    free(img);
    free(dir);
}

int vol_destroy(const char *id, char **cause)
{
    char *dir, *img, *mark;
    int rc = 0;

    if (vol_check_id(id, cause) != 0 || !vol_state)
        return -1;
    dir = vol_file(id, "");
    img = vol_file(id, ".img");
    mark = vol_file(id, ".resize");
    if (vol_umount(dir) != 0) {
        if (cause)
            *cause = x_asprintf("volume %s is busy", id);
        rc = -1;
    } else {
        if (proc_rmtree(dir) != 0) {
            if (cause)
                *cause = x_asprintf("cannot remove %s", dir);
            rc = -1;
        }
        unlink(img);
        unlink(mark);
    }
    free(dir);
    free(img);
    free(mark);
    return rc;
}

int vol_snapshot(const char *id, const char *snap_id, const char *node_ip,
                 uint64_t *size, char **cause)
{
    char *vdir, *sdir, *dst;
    int rc;

    if (size)
        *size = 0;
    if (vol_check_id(id, cause) != 0 || vol_check_id(snap_id, cause) != 0)
        return -1;
    vdir = vol_path(id);
    if (!vdir) {
        if (cause)
            *cause = x_asprintf("volume %s does not exist", id);
        return -1;
    }
    sdir = x_asprintf("%s/snapshots/%s", vol_state, snap_id);
    dst = x_asprintf("%s/postgresql", sdir);
    if (mkdir(sdir, 0700) != 0) {
        if (cause)
            *cause = x_asprintf("cannot make %s: %s", sdir, strerror(errno));
        free(vdir);
        free(sdir);
        free(dst);
        return -1;
    }
    rc = runas_chown_dir(sdir, 0700, cause);
    if (rc == 0 && node_ip) {
        char *pgpass = x_asprintf("PGPASSFILE=%s/.pgpass", vdir);
        const char *env[] = {pgpass, NULL};
        char *bb = x_asprintf("%s/pg_basebackup", PG_BINDIR);
        const char *argv[] = {
            bb,       "-h",     node_ip,
            "-p",     "5433",   "-U",
            "repmgr", "-D",     dst,
            "-X",     "stream", "-c",
            "fast",   "-w",     rt_no_fsync() ? "--no-sync" : NULL,
            NULL};
        struct runas_opts o = {300, NULL, env, NULL, 0};

        rc = runas_check("pg_basebackup", argv, &o, cause);
        free(bb);
        free(pgpass);
    } else if (rc == 0) {
        char *src = x_asprintf("%s/postgresql", vdir);
        rc = vol_copy_tree(src, dst, cause);
        if (rc == 0) {
            /* A copy of a stopped node: drop its run-time leftovers. */
            char *pid = x_asprintf("%s/postmaster.pid", dst);
            unlink(pid);
            free(pid);
        }
        free(src);
    }
    if (rc == 0 && size)
        *size = vol_tree_bytes(sdir);
    if (rc != 0)
        proc_rmtree(sdir);
    free(vdir);
    free(sdir);
    free(dst);
    return rc;
}

int vol_snapshot_destroy(const char *snap_id, char **cause)
{
    char *sdir;
    int rc;

    if (vol_check_id(snap_id, cause) != 0 || !vol_state)
        return -1;
    sdir = x_asprintf("%s/snapshots/%s", vol_state, snap_id);
    rc = proc_rmtree(sdir);
    if (rc != 0 && cause)
        *cause = x_asprintf("cannot remove %s", sdir);
    free(sdir);
    return rc;
}

int vol_fill(const char *id, uint64_t size_bytes, int pct, char **cause)
{
    char *dir = vol_path(id), *filler;
    struct vol_usage u;
    struct stat st;
    uint64_t have = 0, target, used_without;
    int fd, rc = 0;

    if (!dir) {
        if (cause)
            *cause = x_asprintf("volume %s does not exist", id ? id : "");
        return -1;
    }
    filler = x_asprintf("%s/%s", dir, VOL_FILLER);
    free(dir);
    if (pct <= 0) {
        unlink(filler);
        free(filler);
        return 0;
    }
    if (pct > 100)
        pct = 100;
    if (stat(filler, &st) == 0)
        have = (uint64_t)st.st_blocks * 512ULL;
    if (vol_usage(id, size_bytes, &u, cause) != 0) {
        free(filler);
        return -1;
    }
    {
        /* Measure as the disk-capacity check does: of the filesystem's
         * capacity (an ext4 image holds less than its size). */
        uint64_t total = u.blocks * u.block_size;
        uint64_t used = total - u.blocks_avail * u.block_size;

        used_without = used > have ? used - have : 0;
        target = total / 100 * (uint64_t)pct;
    }
    unlink(filler);
    if (target <= used_without) {
        free(filler);
        return 0;
    }
    fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -1;
    } else {
        off_t len = (off_t)((target - used_without) / VOL_BLOCK * VOL_BLOCK);
        int e = posix_fallocate(fd, 0, len);

        if (e != 0) {
            errno = e;
            rc = -1;
        }
        close(fd);
    }
    if (rc != 0) {
        if (cause)
            *cause =
                x_asprintf("cannot fill volume %s: %s", id, strerror(errno));
        unlink(filler);
    }
    free(filler);
    return rc;
}
