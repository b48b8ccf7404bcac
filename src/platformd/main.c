#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/harden.h"
#include "src/log.h"
#include "src/xmalloc.h"

#include "src/platformd/daemon.h"
#include "src/platformd/faults.h"
#include "src/platformd/http.h"
#include "src/platformd/ids.h"
#include "src/platformd/monitor.h"
#include "src/platformd/ops.h"
#include "src/platformd/persist.h"
#include "src/platformd/runtime.h"
#include "src/platformd/seed.h"
#include "src/platformd/state.h"
#include "src/platformd/volume.h"

#define MAIN_DEFAULT_LISTEN "127.0.0.1:4280"

struct main_opts {
    char *state_dir;
    const char *listen;
    const char *seed;
    int faults;
    int no_fsync;
    int foreground;
    long long day_ms;
    enum vol_mode vmode;
};

static void main_usage(FILE *f)
{
    fprintf(
        f,
        "usage: pgdeck-platformd [--state-dir DIR] [--listen ADDR:PORT]\n"
        "                        [--seed demo] [--enable-faults]\n"
        "                        [--volumes dir|loop] [--day SECONDS]\n"
        "                        [--no-fsync] [--image REF=VERSION]...\n"
        "                        [--flex-monitor K=SECONDS,...] "
        "[--foreground]\n"
        "       pgdeck-platformd --help | --version\n"
        "\n"
        "The local platform: the Fly Machines API on loopback, backed by\n"
        "real PostgreSQL + repmgr machines.  See pgdeck-platformd(8).\n"
        "\n"
        "  --state-dir DIR    state directory (default "
        "$XDG_STATE_HOME/pgdeck/platform,\n"
        "                     /var/lib/pgdeck-platform as root)\n"
        "  --listen ADDR:PORT loopback address to serve on (default %s;\n"
        "                     port 0 picks a free port, see DIR/url)\n"
        "  --seed demo        create the demo fleet when the state is "
        "empty\n"
        "  --enable-faults    serve the /admin fault-injection endpoints\n"
        "  --volumes MODE     dir (default) or loop (root: real ext4 "
        "images)\n"
        "  --day SECONDS      length of a day for automatic snapshots "
        "and their\n"
        "                     retention (default 86400; for drills and "
        "tests)\n"
        "  --no-fsync         a test platform: nodes run with fsync = off,\n"
        "                     initdb and base backups without sync (a host\n"
        "                     crash can lose their data; nothing else\n"
        "                     changes)\n"
        "  --image REF=VERSION the registry's image REF carries label\n"
        "                     fly.version=VERSION (vX.Y.Z or custom);\n"
        "                     flex images default to %s, stolon\n"
        "                     (flyio/postgres) to %s\n"
        "  --flex-monitor K=S,... postgres-flex's monitor on primaries, "
        "in\n"
        "                     seconds: cluster (screening, 300), dead\n"
        "                     (dead-member check, 3600), dead-after\n"
        "                     (43200), slots (3600), slot-after (43200)\n"
        "  --foreground       do not daemonize\n",
        MAIN_DEFAULT_LISTEN, ST_FLEX_VERSION, ST_STOLON_VERSION);
}

static char *main_default_state_dir(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (geteuid() == 0)
        return x_strdup("/var/lib/pgdeck-platform");
    if (xdg && xdg[0] == '/')
        return x_asprintf("%s/pgdeck/platform", xdg);
    if (!home || !*home) {
        struct passwd *pw = getpwuid(geteuid());

        home = pw ? pw->pw_dir : "/tmp";
    }
    return x_asprintf("%s/.local/state/pgdeck/platform", home);
}

static int main_parse(int argc, char **argv, struct main_opts *o)
{
    static const struct option longopts[] = {
        {"state-dir", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"seed", required_argument, NULL, 'S'},
        {"enable-faults", no_argument, NULL, 'F'},
        {"volumes", required_argument, NULL, 'V'},
        {"day", required_argument, NULL, 'd'},
        {"no-fsync", no_argument, NULL, 'N'},
        {"image", required_argument, NULL, 'I'},
        {"flex-monitor", required_argument, NULL, 'M'},
        {"foreground", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(o, 0, sizeof *o);
    o->listen = MAIN_DEFAULT_LISTEN;
    o->vmode = VOL_MODE_DIR;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            free(o->state_dir);
            o->state_dir = x_strdup(optarg);
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'S':
            if (strcmp(optarg, "demo") != 0) {
                fprintf(stderr,
                        "pgdeck-platformd: --seed takes 'demo', not "
                        "'%s'\n",
                        optarg);
                return 2;
            }
            o->seed = optarg;
            break;
        case 'F':
            o->faults = 1;
            break;
        case 'V':
            if (strcmp(optarg, "dir") == 0) {
                o->vmode = VOL_MODE_DIR;
            } else if (strcmp(optarg, "loop") == 0) {
                o->vmode = VOL_MODE_LOOP;
            } else {
                fprintf(stderr,
                        "pgdeck-platformd: --volumes takes dir or "
                        "loop, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'd': {
            char *end;
            long long v;

            errno = 0;
            v = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 86400) {
                fprintf(stderr,
                        "pgdeck-platformd: --day takes whole seconds from 1 "
                        "to 86400, not '%s'\n",
                        optarg);
                return 2;
            }
            o->day_ms = v * 1000;
            break;
        }
        case 'N':
            o->no_fsync = 1;
            break;
        case 'I': {
            char *why = NULL;

            if (st_image_register(optarg, &why) != 0) {
                fprintf(stderr, "pgdeck-platformd: %s\n", why);
                free(why);
                return 2;
            }
            break;
        }
        case 'M': {
            struct rt_flexmon_cfg cfg = *rt_flexmon_current();
            char *why = NULL;

            if (rt_flexmon_parse(optarg, &cfg, &why) != 0) {
                fprintf(stderr, "pgdeck-platformd: --flex-monitor: %s\n", why);
                free(why);
                return 2;
            }
            rt_flexmon_config(&cfg);
            break;
        }
        case 'f':
            o->foreground = 1;
            break;
        case 'h':
            main_usage(stdout);
            return 0;
        case 'v':
            printf("pgdeck-platformd %s\n", PACKAGE_VERSION);
            return 0;
        default:
            main_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pgdeck-platformd: unexpected argument '%s'\n",
                argv[optind]);
        main_usage(stderr);
        return 2;
    }
    if (o->vmode == VOL_MODE_LOOP && geteuid() != 0) {
        fprintf(stderr, "pgdeck-platformd: --volumes loop needs root\n");
        return 2;
    }
    if (!o->state_dir)
        o->state_dir = main_default_state_dir();
    return -1;
}

static void main_restore(void)
{
    size_t i;

    st_lock();
    for (i = 0; i < st.nmachines; i++) {
        struct st_machine *m = st.machines[i];

        if (m->destroyed)
            continue;
        st_machine_set_checks(m, NULL, 0);
        if (strcmp(m->state, "started") == 0 ||
            strcmp(m->state, "starting") == 0 ||
            strcmp(m->state, "restarting") == 0 ||
            strcmp(m->state, "replacing") == 0 ||
            strcmp(m->state, "updating") == 0) {
            st_machine_set_state(m, "starting");
            ops_enqueue(m, ST_OP_START, 0, 0);
        } else if (strcmp(m->state, "stopping") == 0) {
            st_machine_set_state(m, "stopped");
        } else if (strcmp(m->state, "destroying") == 0) {
            ops_enqueue(m, ST_OP_DESTROY, 9, 5);
        }
    }
    st_changed();
    st_unlock();
}

static void main_shutdown(void)
{
    log_msg("shutting down");
    faults_shutdown();
    ops_quiesce();
    http_stop();
    monitor_stop();
    seed_stop();
    ops_stop_all();
    st_lock();
    st_changed();
    st_unlock();
    vol_shutdown();
    rt_shutdown();
    log_msg("stopped");
}

int main(int argc, char **argv)
{
    struct main_opts o;
    struct daemon_ctx d;
    sigset_t set;
    char *cause = NULL;
    int rc, sig;

    harden_process();
    rc = main_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    if (daemon_prepare(o.state_dir, o.listen, &d, &cause) == -1) {
        fprintf(stderr, "pgdeck-platformd: %s\n", cause);
        return 1;
    }
    if (!o.foreground && daemon_detach(&d, &cause) == -1) {
        fprintf(stderr, "pgdeck-platformd: %s\n", cause);
        return 1;
    }
    /* Signals go to the main thread's sigwait only: block them before any
     * thread exists so that every thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    log_msg("pgdeck-platformd %s starting in %s", PACKAGE_VERSION, o.state_dir);
    st_init(d.state_dir);
    rt_set_no_fsync(o.no_fsync);
    if (rt_init(d.state_dir, &cause) == -1 ||
        vol_init(d.state_dir, o.vmode, &cause) == -1 ||
        persist_load(&cause) == -1 ||
        http_start(d.listen_fd, d.token, o.faults, &cause) == -1 ||
        daemon_write_url(&d, &cause) == -1) {
        log_msg("start failed: %s", cause);
        daemon_fail(&d, cause);
        return 1;
    }
    main_restore();
    monitor_set_day_ms(o.day_ms);
    if (monitor_start(&cause) == -1 ||
        (o.seed && seed_demo_start(&cause) == -1)) {
        log_msg("start failed: %s", cause);
        daemon_fail(&d, cause);
        return 1;
    }
    log_msg("serving on %s%s%s", d.url, o.faults ? " (faults enabled)" : "",
            o.no_fsync ? " (nodes without fsync: a test platform)" : "");
    daemon_ready(&d);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP)
            continue;
        log_msg("got %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    main_shutdown();
    daemon_cleanup(&d);
    st_lock();
    st_free_all();
    st_unlock();
    free(o.state_dir);
    log_close();
    return 0;
}
