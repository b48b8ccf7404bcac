#include "config.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/api.h"
#include "src/buf.h"
#include "src/xmalloc.h"

#include "tests/unit/api_render.h"
#include "tests/unit/unit.h"

/*
 * Every decoder result is rendered as "key=value" tokens separated by '|'
 * (tests/unit/api_render.c), and the tables below list the tokens a case
 * expects: each must appear as a whole token.  A failing case instead lists the
 * exact message (or, with MATCH_PREFIX, its start).
 */

enum match { MATCH_EXACT, MATCH_PREFIX };

/* Every '|'-separated token of WANT appears as a token of GOT. */
static void check_tokens(const char *what, const char *got, const char *want)
{
    const char *p = want, *end;
    char *tok;

    while (*p) {
        end = strchr(p, '|');
        if (!end)
            end = p + strlen(p);
        tok = x_asprintf("|%.*s|", (int)(end - p), p);
        ck_assert_msg(strstr(got, tok), "%s: token %s not in %s", what, tok,
                      got);
        free(tok);
        p = *end ? end + 1 : end;
    }
}

static char *read_fixture(const char *name, size_t *len)
{
    char *path =
        x_asprintf("%s/tests/fixtures/fly-api-docs/%s", unit_srcdir(), name);
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "rb");

    ck_assert_msg(f, "cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    free(path);
    *len = b.len;
    return buf_steal(&b);
}

/* Every documented body, with a few fields checked against the file. */
static const struct fixture_case {
    const char *file;
    enum api_render_kind kind;
    const char *want;
} fixture_cases[] = {
    {"delete_app_resp.json", K_ERROR,
     "http=404|message=Could not find App|status="},
    {"get_app_resp.json", K_APP,
     "id=|name=my-app-name|status=|org=My Org/personal|machines=0"},
    {"launch_syd_resp.json", K_MACHINE,
     "id=24d896dec64879|name=machine-syd|state=starting|region=syd"
     "|instance_id=01G3SHQRYPVPZ8K8G0VQK42819"
     "|private_ip=fdaa:0:3ec2:a7b:8566:9b25:46d8:2|has_config=1"
     "|image=flyio/fastify-functions|cpu_kind=shared|cpus=1|memory_mb=256"
     "|n_env=1|env.APP_ENV=production|n_meta=0|restart=/0"
     "|registry=registry-1.docker.io|repository=flyio/fastify-functions"
     "|tag=latest|digest=sha256:"
     "e15c11a07e1abbc50e252ac392a908140b199190ab08963b3b5dffc2e813d1e8"
     "|n_label=0|created=1653346132000|updated=0|n_checks=0|n_events=0"
     "|is_pg=0|is_flex=0|role=unknown|active=1"},
    {"machines_create_resp.json", K_MACHINE,
     "id=1857156b526dd8|name=aged-thunder-7371|state=created|region=ord"
     "|instance_id=01HEPA330HZ37A78TK080NAK1M|created=1699408350000"
     "|updated=1699408350000|image=registry-1.docker.io/library/ubuntu:latest"
     "|auto_destroy=1|restart=always/0|n_env=0|repository=library/ubuntu"
     "|n_label=2|label.org.opencontainers.image.ref.name=ubuntu"
     "|label.org.opencontainers.image.version=22.04|n_events=1"
     "|event[0]=launch/created/user@1699408350300"},
    /* Its image_ref and created_at sit inside config: unknown there. */
    {"machines_create_serv_resp.json", K_MACHINE,
     "id=73d8d46dbee589|name=my-app-name|state=starting|region=cdg"
     "|n_check_cfg=1|check_cfg[httpget]=http:8080:GET:/::15000000000:"
     "10000000000:0|registry=|n_label=0|created=0|env.APP_ENV=production"},
    {"machines_lease_create_resp.json", K_LEASE,
     "status=success|nonce=5c35f65c9f95|owner=hello@fly.io|description="
     "|version=01HQ73A7BFFDF1B6WMGHFZZ4E7|expires_at=1708569778|ok=0"},
    {"machines_lease_get_resp.json", K_LEASE,
     "status=success|nonce=5c35f65c9f95|expires_at=1708569778"},
    {"machines_lease_release_resp.json", K_LEASE,
     "status=success|nonce=|ok=1|expires_at=0"},
    {"machines_metadata_get_resp.json", K_METADATA,
     "n_meta=5|meta.fly_flyctl_version=0.2.8|meta.fly_platform_version=v2"
     "|meta.fly_process_group=app"
     "|meta.fly_release_id=Nj7oGMlVVpZ7JToybJoXLLjMl"
     "|meta.fly_release_version=63"},
    {"machines_ok_true_resp.json", K_OK, "ok=1|state="},
    {"machines_start_resp.json", K_START,
     "previous_state=stopped|migrated=0|new_host=|status=|message="},
    {"machines_update_resp.json", K_MACHINE,
     "id=73d8d46dbee589|name=lingering-moon-48|state=starting"
     "|instance_id=01G3SHPYE8XZ58GD4XRRF9CCKC|n_env=0|n_meta=0|cpu_kind="
     "|cpus=2|memory_mb=512|created=1653346101000|tag=latest"},
    {"start_resp.json", K_START, "previous_state=stopped|migrated=0"},
    {"stop_resp.json", K_OK, "ok=1"},
    {"update_resp.json", K_MACHINE,
     "id=73d8d46dbee589|name=quirky-machine|cpus=2|memory_mb=512"
     "|private_ip=fdaa:0:3ec2:a7b:5adc:6068:5b85:2"},
    {"volumes_create.json", K_VOLUME,
     "id=vol_340088w293z35lp4|name=new_1028_vol|state=created|size_gb=10"
     "|region=ord|zone=84d3|encrypted=1|attached=|alloc="
     "|created=1701121626837|blocks=0|block_size=0|fstype=|retention=5"
     "|backup=1"},
    {"volumes_delete.json", K_VOLUME,
     "id=vol_grnejj355dqdj9kr|state=destroyed|size_gb=3|region=yyz"
     "|zone=aeee|retention=0|created=1701984957420"},
    {"volumes_extend.json", K_EXTEND,
     "needs_restart=0|id=vol_9vw681egy1jj5xm4|name=disk|size_gb=10"
     "|region=yul|attached=6e8297dc244287|created=1693597634774"},
    {"volumes_get.json", K_VOLUME,
     "id=vvol_6r7ye90k98ynwk1r|size_gb=3|blocks=768250|block_size=4096"
     "|blocks_free=768244|blocks_avail=730163|fstype=ext4|bytes_total=0"
     "|bytes_used=0|attached=6e8297dc244287"},
    {"volumes_list.json", K_VOLUMES,
     "n=2|id=vol_9vw681egy1jj5xm4|attached=908057ef21e487"
     "|id=vol_q4qeekqzxze29dw4|region=iad|zone=a4df|blocks=751366"
     "|blocks_avail=708148|created=1704230198996"},
    {"volumes_snapshot_ondemand.json", K_SNAPSHOT_CREATED,
     "id=vs_gwMAXwwLjOVuo7jL96v2kGXU2|status=prepare|created=1708111843914"},
    {"volumes_snapshots_list.json", K_SNAPSHOTS,
     "n=6|id=vs_4LNvXLLK0P6tk6KgqoexaBw|size=36007729"
     "|digest=76d64a69199766d1600d46f0fd48ad9c-1|created=1701550775000"
     "|retention=5|id=vs_K8z1w88ZBOys22zqKGZ36R|retention=10"
     "|created=1701983005000"},
    {"volumes_update.json", K_VOLUME,
     "id=vol_340088w293z35lp4|retention=10|size_gb=10"},
    {"wait_resp.json", K_OK, "ok=1"},
};

START_TEST(test_fixture_decodes)
{
    const struct fixture_case *c = &fixture_cases[_i];
    char *json, *got, *cause = NULL;
    size_t len;
    int rc;

    json = read_fixture(c->file, &len);
    rc = api_render_decode(c->kind, json, len, &got, &cause);
    ck_assert_msg(rc == 0, "%s: %s", c->file, cause ? cause : "?");
    ck_assert_ptr_null(cause);
    check_tokens(c->file, got, c->want);
    free(got);
    free(json);
}
END_TEST

/* The machine and volume fixtures also decode inside a list. */
START_TEST(test_fixture_in_list)
{
    size_t i, listed = 0;

    for (i = 0; i < sizeof fixture_cases / sizeof fixture_cases[0]; i++) {
        const struct fixture_case *c = &fixture_cases[i];
        char *json, *list, *got, *cause = NULL;
        enum api_render_kind kind;
        size_t len;

        if (c->kind == K_MACHINE)
            kind = K_MACHINES;
        else if (c->kind == K_VOLUME)
            kind = K_VOLUMES;
        else
            continue;
        listed++;
        json = read_fixture(c->file, &len);
        list = x_asprintf("[%s,%s]", json, json);
        ck_assert_int_eq(
            api_render_decode(kind, list, strlen(list), &got, &cause), 0);
        check_tokens(c->file, got, "n=2|null=0");
        check_tokens(c->file, got, c->want);
        free(got);
        free(list);
        free(json);
    }
    /* 5 machine bodies and 4 volume bodies in fly-api-docs. */
    ck_assert_uint_eq(listed, 9);
}
END_TEST

/* The hand-built postgres-flex replica of reference §5.1. */
#define PG_MACHINE                                                             \
    "{\"id\":\"1781957c525989\",\"name\":\"patient-snow-7261\","               \
    "\"state\":\"started\",\"region\":\"iad\","                                \
    "\"instance_id\":\"01HQ73A7BFFDF1B6WMGHFZZ4E7\","                          \
    "\"private_ip\":\"fdaa:0:2e26:a7b:c850:86cf:b175:2\","                     \
    "\"host_status\":\"ok\",\"created_at\":\"2024-01-03T14:24:15Z\","          \
    "\"updated_at\":\"2024-01-03T15:34:29+02:00\","                            \
    "\"image_ref\":{\"registry\":\"registry-1.docker.io\","                    \
    "\"repository\":\"flyio/postgres-flex\",\"tag\":\"16\","                   \
    "\"digest\":\"sha256:abc\",\"labels\":{\"fly.app_role\":"                  \
    "\"postgres_cluster\",\"fly.pg-manager\":\"repmgr\","                      \
    "\"fly.pg-version\":\"16.11\",\"fly.version\":\"v0.0.66\"}},"              \
    "\"config\":{\"image\":\"flyio/postgres-flex:16\","                        \
    "\"env\":{\"PRIMARY_REGION\":\"iad\"},\"init\":{},"                        \
    "\"guest\":{\"cpu_kind\":\"shared\",\"cpus\":1,\"memory_mb\":256},"        \
    "\"metadata\":{\"fly-managed-postgres\":\"true\","                         \
    "\"fly_platform_version\":\"v2\"},"                                        \
    "\"mounts\":[{\"volume\":\"vol_w1q85vgg998vzdxe\",\"path\":\"/data\","     \
    "\"name\":\"pg_data\",\"size_gb\":10,\"encrypted\":true}],"                \
    "\"checks\":{\"pg\":{\"type\":\"http\",\"port\":5500,"                     \
    "\"path\":\"/flycheck/pg\",\"interval\":\"15s\",\"timeout\":\"10s\"},"     \
    "\"role\":{\"type\":\"http\",\"port\":5500,\"path\":\"/flycheck/role\","   \
    "\"interval\":15000000000,\"timeout\":10000000000}},"                      \
    "\"metrics\":{\"port\":9187,\"path\":\"/metrics\"},"                       \
    "\"restart\":{\"policy\":\"always\"},"                                     \
    "\"stop_config\":{\"signal\":\"SIGINT\",\"timeout\":\"1m30s\"},"           \
    "\"services\":[{\"internal_port\":5432}]},"                                \
    "\"events\":[{\"type\":\"exit\",\"status\":\"stopped\","                   \
    "\"source\":\"flyd\",\"timestamp\":1698719726615,\"request\":"             \
    "{\"exit_event\":{\"exit_code\":137,\"oom_killed\":true}}},"               \
    "{\"type\":\"launch\",\"status\":\"created\",\"source\":\"user\","         \
    "\"timestamp\":\"2023-10-31T02:35:26.615Z\"}],"                            \
    "\"checks\":[{\"name\":\"pg\",\"status\":\"passing\","                     \
    "\"updated_at\":\"2024-01-03T15:35:02Z\",\"output\":\"[\xe2\x9c\x93] "     \
    "connections: 6 used\"},{\"name\":\"role\",\"status\":\"passing\","        \
    "\"updated_at\":\"2024-01-03T15:35:02Z\",\"output\":\"replica\"}]}"

/* Inline bodies: spellings, absences, nulls, wrong types, hostile input. */
static const struct body_case {
    const char *name;
    enum api_render_kind kind;
    const char *json;
    int rc;
    const char *want; /* tokens when rc is 0, else the message */
    enum match match;
} body_cases[] = {
    {"postgres-flex machine", K_MACHINE, PG_MACHINE, 0,
     "id=1781957c525989|state=started|host_status=ok|created=1704291855000"
     "|updated=1704288869000|env.PRIMARY_REGION=iad"
     "|meta.fly-managed-postgres=true|mount[0]=vol_w1q85vgg998vzdxe:/data:"
     "pg_data:10:1|check_cfg[pg]=http:5500::/flycheck/pg::15000000000:"
     "10000000000:0|check_cfg[role]=http:5500::/flycheck/role::15000000000:"
     "10000000000:0|restart=always/0|stop=SIGINT/90000000000"
     "|label.fly.pg-manager=repmgr|label.fly.version=v0.0.66"
     "|event[0]=exit/stopped/flyd@1698719726615/exit=137/oom=1"
     "|event[1]=launch/created/user@1698719726615"
     "|check[pg]=passing:[\xe2\x9c\x93] connections: 6 used@1704296102000"
     "|check[role]=passing:replica@1704296102000|is_pg=1|is_flex=1"
     "|role=replica|active=1",
     MATCH_EXACT},
    {"stolon machine, failing role check", K_MACHINE,
     "{\"id\":\"m\",\"state\":\"started\",\"config\":{},\"image_ref\":"
     "{\"labels\":{\"fly.app_role\":\"postgres_cluster\"}},\"checks\":"
     "[{\"name\":\"role\",\"status\":\"critical\",\"output\":\"leader\"}]}",
     0, "is_pg=1|is_flex=0|role=error|active=1", MATCH_EXACT},
    {"postgres by metadata only", K_MACHINE,
     "{\"id\":\"m\",\"state\":\"destroyed\",\"config\":{\"metadata\":"
     "{\"fly-managed-postgres\":\"true\"}}}",
     0, "is_pg=1|is_flex=0|role=unknown|active=0", MATCH_EXACT},
    {"minimal machine", K_MACHINE, "{\"id\":\"m1\"}", 0,
     "id=m1|name=|state=|has_config=0|incomplete=0|image=|cpus=0|n_env=0"
     "|n_mounts=0|n_check_cfg=0|n_label=0|n_checks=0|n_events=0|created=0"
     "|is_pg=0|role=unknown|active=0",
     MATCH_EXACT},
    {"nulls everywhere", K_MACHINE,
     "{\"id\":\"m1\",\"name\":null,\"state\":null,\"created_at\":null,"
     "\"config\":{\"image\":null,\"env\":null,\"metadata\":null,"
     "\"guest\":null,\"mounts\":null,\"checks\":{\"pg\":null},"
     "\"restart\":null,\"stop_config\":null,\"auto_destroy\":null},"
     "\"image_ref\":null,\"checks\":null,\"events\":null,"
     "\"cordoned\":null}",
     0,
     "id=m1|name=|state=|created=0|has_config=1|image=|n_env=0|cpus=0"
     "|n_check_cfg=1|check_cfg[pg]=:0::::0:0:0|registry=|n_checks=0",
     MATCH_EXACT},
    {"null map values", K_MACHINE,
     "{\"id\":\"m1\",\"config\":{\"env\":{\"A\":null,\"B\":\"b\"}}}", 0,
     "n_env=2|env.A=|env.B=b", MATCH_EXACT},
    {"unknown fields ignored", K_MACHINE,
     "{\"zzz\":{\"a\":[1,2,{\"b\":null}]},\"id\":\"m1\",\"config\":"
     "{\"image\":\"x\",\"foo\":1,\"services\":[{\"x\":1}],"
     "\"guest\":{\"gpus\":\"many\",\"cpus\":2}},\"version\":7}",
     0, "id=m1|image=x|cpus=2", MATCH_EXACT},
    {"incomplete_config stands in", K_MACHINE,
     "{\"id\":\"m1\",\"host_status\":\"unreachable\",\"incomplete_config\":"
     "{\"image\":\"pg\",\"env\":{\"PRIMARY_REGION\":\"ams\"}}}",
     0,
     "has_config=0|incomplete=1|image=pg|env.PRIMARY_REGION=ams"
     "|host_status=unreachable|active=0",
     MATCH_EXACT},
    {"go zero time and empty timestamps", K_MACHINE,
     "{\"id\":\"m1\",\"created_at\":\"0001-01-01T00:00:00Z\","
     "\"updated_at\":\"\"}",
     0, "created=0|updated=0", MATCH_EXACT},
    {"durations: go strings and integer ns", K_MACHINE,
     "{\"id\":\"m1\",\"config\":{\"checks\":{\"a\":{\"interval\":\"1h2m3.5s\","
     "\"timeout\":\"300ms\",\"grace_period\":1500},\"b\":{\"interval\":\"0\","
     "\"timeout\":\"2\xc2\xb5s\"}},\"stop_config\":{\"timeout\":\"\"}}}",
     0,
     "check_cfg[a]=:0::::3723500000000:300000000:1500"
     "|check_cfg[b]=:0::::0:2000:0|stop=/0",
     MATCH_EXACT},
    {"id missing", K_MACHINE, "{\"name\":\"x\"}", -1, "machine.id: missing",
     MATCH_EXACT},
    {"id is a number", K_MACHINE, "{\"id\":5}", -1,
     "machine.id: expected a string, got a number", MATCH_EXACT},
    {"memory_mb as a string", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"guest\":{\"memory_mb\":\"256\"}}}", -1,
     "machine.config.guest.memory_mb: expected a number, got a string",
     MATCH_EXACT},
    {"env value not a string", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"env\":{\"A\":1}}}", -1,
     "machine.config.env.A: expected a string, got a number", MATCH_EXACT},
    {"dotted label key", K_MACHINE,
     "{\"id\":\"m\",\"image_ref\":{\"labels\":{\"fly.app_role\":true}}}", -1,
     "machine.image_ref.labels[\"fly.app_role\"]: expected a string, got a "
     "boolean",
     MATCH_EXACT},
    {"hostile key is sanitised in the path", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"metadata\":{\"a\\u001b[2Jb\":[]}}}", -1,
     "machine.config.metadata[\"a?[2Jb\"]: expected a string, got an array",
     MATCH_EXACT},
    {"labels not an object", K_MACHINE,
     "{\"id\":\"m\",\"image_ref\":{\"labels\":[]}}", -1,
     "machine.image_ref.labels: expected an object, got an array", MATCH_EXACT},
    {"mounts not an array", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"mounts\":{}}}", -1,
     "machine.config.mounts: expected an array, got an object", MATCH_EXACT},
    {"mount not an object", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"mounts\":[{\"volume\":\"v\"},7]}}", -1,
     "machine.config.mounts[1]: expected an object, got a number", MATCH_EXACT},
    {"mount size negative", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"mounts\":[{\"size_gb\":-3}]}}", -1,
     "machine.config.mounts[0].size_gb: number -3 is out of range (0 to "
     "1048576)",
     MATCH_EXACT},
    {"check definition not an object", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"checks\":{\"pg\":\"http\"}}}", -1,
     "machine.config.checks.pg: expected an object, got a string", MATCH_EXACT},
    {"bad timestamp", K_MACHINE,
     "{\"id\":\"m\",\"checks\":[{\"name\":\"pg\",\"updated_at\":"
     "\"yesterday\"}]}",
     -1,
     "machine.checks[0].updated_at: expected an RFC3339 timestamp, got "
     "\"yesterday\"",
     MATCH_EXACT},
    {"timestamp of the wrong type", K_MACHINE,
     "{\"id\":\"m\",\"created_at\":{}}", -1,
     "machine.created_at: expected a timestamp, got an object", MATCH_EXACT},
    {"bad duration", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"checks\":{\"pg\":{\"interval\":\"15 s\"}}}}",
     -1,
     "machine.config.checks.pg.interval: expected a duration like \"15s\", "
     "got \"15 s\"",
     MATCH_EXACT},
    {"duration of the wrong type", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"stop_config\":{\"timeout\":true}}}", -1,
     "machine.config.stop_config.timeout: expected a duration, got a boolean",
     MATCH_EXACT},
    {"fractional event timestamp", K_MACHINE,
     "{\"id\":\"m\",\"events\":[{\"timestamp\":1.5}]}", -1,
     "machine.events[0].timestamp: expected a whole number, got 1.5",
     MATCH_EXACT},
    {"huge cpus", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"guest\":{\"cpus\":1e300}}}", -1,
     "machine.config.guest.cpus: number 1e+300 is out of range (0 to 4096)",
     MATCH_EXACT},
    {"overflowing number", K_MACHINE,
     "{\"id\":\"m\",\"events\":[{\"timestamp\":1e999}]}", -1,
     "machine.events[0].timestamp: number inf is out of range "
     "(-9007199254740992 to 9007199254740992)",
     MATCH_EXACT},
    {"negative memory", K_MACHINE,
     "{\"id\":\"m\",\"config\":{\"guest\":{\"memory_mb\":-256}}}", -1,
     "machine.config.guest.memory_mb: number -256 is out of range (0 to "
     "67108864)",
     MATCH_EXACT},
    {"cordoned as a string", K_MACHINE, "{\"id\":\"m\",\"cordoned\":\"yes\"}",
     -1, "machine.cordoned: expected a boolean, got a string", MATCH_EXACT},
    {"config is an array", K_MACHINE, "{\"id\":\"m\",\"config\":[]}", -1,
     "machine.config: expected an object, got an array", MATCH_EXACT},
    {"exit code as a string", K_MACHINE,
     "{\"id\":\"m\",\"events\":[{\"request\":{\"exit_event\":"
     "{\"exit_code\":\"1\"}}}]}",
     -1,
     "machine.events[0].request.exit_event.exit_code: expected a number, "
     "got a string",
     MATCH_EXACT},
    {"top level array", K_MACHINE, "[]", -1,
     "machine: expected an object, got an array", MATCH_EXACT},
    {"top level string", K_MACHINE, "\"machine\"", -1,
     "machine: expected an object, got a string", MATCH_EXACT},
    {"top level null", K_MACHINE, "null", -1,
     "machine: expected an object, got null", MATCH_EXACT},
    /* Cut inside a string: the error is before the end, the string and
     * the object still open. */
    {"truncated", K_MACHINE, "{\"id\":\"m1\",\"state\":\"sta", -1,
     "invalid JSON at byte 20 of 23 (truncated?)", MATCH_EXACT},
    {"truncated after a comma", K_MACHINES, "[{\"id\":\"m1\"},", -1,
     "invalid JSON at byte 13 of 13 (truncated?)", MATCH_EXACT},
    {"trailing garbage", K_MACHINE, "{\"id\":\"m1\"} x", -1,
     "invalid JSON at byte 12 of 13", MATCH_EXACT},
    {"not JSON at all", K_VOLUME, "<html>502</html>", -1,
     "invalid JSON at byte 0 of 16", MATCH_EXACT},
    {"empty body", K_MACHINE, "", -1, "empty body", MATCH_EXACT},
    {"machines: empty list", K_MACHINES, "[]", 0, "n=0|null=1", MATCH_EXACT},
    {"machines: object", K_MACHINES, "{}", -1,
     "machines: expected an array, got an object", MATCH_EXACT},
    {"machines: null", K_MACHINES, "null", -1,
     "machines: expected an array, got null", MATCH_EXACT},
    {"machines: null element", K_MACHINES, "[{\"id\":\"a\"},null]", -1,
     "machines[1]: expected an object, got null", MATCH_EXACT},
    {"machines: third has a bad memory_mb", K_MACHINES,
     "[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\",\"config\":{\"guest\":"
     "{\"memory_mb\":\"256\"}}}]",
     -1, "machines[2].config.guest.memory_mb: expected a number, got a string",
     MATCH_EXACT},
    {"apps envelope", K_APPS,
     "{\"total_apps\":2,\"apps\":[{\"id\":\"682kqp6pdno9d543\",\"name\":"
     "\"my-pg\",\"machine_count\":3,\"volume_count\":3,\"network\":"
     "\"default\",\"status\":\"deployed\",\"internal_numeric_id\":123456,"
     "\"organization\":{\"name\":\"Acme\",\"slug\":\"acme\","
     "\"internal_numeric_id\":42}},{\"name\":\"web\",\"app_role\":"
     "\"postgres_cluster\",\"organization\":null}]}",
     0,
     "n=2|null=0|id=682kqp6pdno9d543|name=my-pg|machines=3|volumes=3"
     "|network=default|status=deployed|numeric_id=123456|org=Acme/acme"
     "|name=web|role=postgres_cluster|org=/",
     MATCH_EXACT},
    {"apps: empty", K_APPS, "{\"total_apps\":0,\"apps\":[]}", 0, "n=0|null=1",
     MATCH_EXACT},
    {"apps: no list", K_APPS, "{}", 0, "n=0", MATCH_EXACT},
    {"apps: bad name", K_APPS, "{\"apps\":[{\"name\":5}]}", -1,
     "apps[0].name: expected a string, got a number", MATCH_EXACT},
    {"apps: total as a string", K_APPS, "{\"total_apps\":\"2\"}", -1,
     "total_apps: expected a number, got a string", MATCH_EXACT},
    {"apps: top level array", K_APPS, "[]", -1,
     "body: expected an object, got an array", MATCH_EXACT},
    {"app: organization a string", K_APP, "{\"organization\":\"acme\"}", -1,
     "app.organization: expected an object, got a string", MATCH_EXACT},
    {"volume with usage", K_VOLUME,
     "{\"id\":\"vol_9vw681egy1jj5xm4\",\"name\":\"pg_data\",\"state\":"
     "\"created\",\"size_gb\":10,\"region\":\"iad\",\"zone\":\"09cd\","
     "\"encrypted\":true,\"attached_machine_id\":\"1781957c525989\","
     "\"attached_alloc_id\":null,\"created_at\":\"2023-09-01T19:47:14.774Z\","
     "\"blocks\":2559745,\"block_size\":4096,\"blocks_free\":2300000,"
     "\"blocks_avail\":2170000,\"bytes_total\":10484715520,"
     "\"bytes_used\":1064000000,\"fstype\":\"ext4\",\"snapshot_retention\":5,"
     "\"auto_backup_enabled\":true,\"host_status\":\"ok\"}",
     0,
     "id=vol_9vw681egy1jj5xm4|attached=1781957c525989|alloc=|size_gb=10"
     "|bytes_total=10484715520|bytes_used=1064000000|blocks=2559745"
     "|host_status=ok|created=1693597634774",
     MATCH_EXACT},
    {"volume: size negative", K_VOLUME, "{\"id\":\"v\",\"size_gb\":-1}", -1,
     "volume.size_gb: number -1 is out of range (0 to 1048576)", MATCH_EXACT},
    {"volume: blocks huge", K_VOLUME, "{\"id\":\"v\",\"blocks\":1e300}", -1,
     "volume.blocks: number 1e+300 is out of range (0 to 9007199254740992)",
     MATCH_EXACT},
    {"volume: bytes beyond 2^53", K_VOLUME,
     "{\"id\":\"v\",\"bytes_total\":18014398509481984}", -1,
     "volume.bytes_total: number 1.80144e+16 is out of range (0 to "
     "9007199254740992)",
     MATCH_EXACT},
    {"volume: encrypted as a string", K_VOLUME,
     "{\"id\":\"v\",\"encrypted\":\"true\"}", -1,
     "volume.encrypted: expected a boolean, got a string", MATCH_EXACT},
    {"volumes: second has a bad size", K_VOLUMES,
     "[{\"id\":\"a\"},{\"id\":\"b\",\"size_gb\":\"3\"}]", -1,
     "volumes[1].size_gb: expected a number, got a string", MATCH_EXACT},
    {"volumes: empty", K_VOLUMES, "[]", 0, "n=0|null=1", MATCH_EXACT},
    {"extend: needs restart", K_EXTEND,
     "{\"needs_restart\":true,\"volume\":{\"id\":\"v\",\"size_gb\":20}}", 0,
     "needs_restart=1|id=v|size_gb=20", MATCH_EXACT},
    {"extend: no volume", K_EXTEND, "{\"needs_restart\":false}", -1,
     "volume: missing", MATCH_EXACT},
    {"extend: bad size", K_EXTEND,
     "{\"volume\":{\"id\":\"v\",\"size_gb\":\"20\"}}", -1,
     "volume.size_gb: expected a number, got a string", MATCH_EXACT},
    {"snapshots: bad size", K_SNAPSHOTS, "[{\"id\":\"vs_1\",\"size\":\"big\"}]",
     -1, "snapshots[0].size: expected a number, got a string", MATCH_EXACT},
    {"snapshots: empty", K_SNAPSHOTS, "[]", 0, "n=0|null=1", MATCH_EXACT},
    {"snapshot created: empty object", K_SNAPSHOT_CREATED, "{}", 0,
     "id=|status=", MATCH_EXACT},
    {"lease: data null", K_LEASE, "{\"status\":\"success\",\"data\":null}", 0,
     "status=success|nonce=|expires_at=0", MATCH_EXACT},
    {"lease: expiry as a string", K_LEASE,
     "{\"data\":{\"expires_at\":\"soon\"}}", -1,
     "data.expires_at: expected a number, got a string", MATCH_EXACT},
    {"exec", K_EXEC,
     "{\"exit_code\":1,\"exit_signal\":0,\"stdout\":\"\",\"stderr\":"
     "\"boom\\n\"}",
     0, "exit_code=1|exit_signal=0|stdout=|stderr=boom\n", MATCH_EXACT},
    {"exec: stdout a number", K_EXEC, "{\"stdout\":5}", -1,
     "stdout: expected a string, got a number", MATCH_EXACT},
    {"ok as a string", K_OK, "{\"ok\":\"yes\"}", -1,
     "ok: expected a boolean, got a string", MATCH_EXACT},
    {"wait with state", K_OK, "{\"ok\":true,\"state\":\"started\"}", 0,
     "ok=1|state=started", MATCH_EXACT},
    {"start failed (fly-go shape)", K_START,
     "{\"status\":\"error\",\"message\":\"no capacity\"}", 0,
     "status=error|message=no capacity|previous_state=", MATCH_EXACT},
    {"metadata with null", K_METADATA, "{\"a\":\"b\",\"c\":null}", 0,
     "n_meta=2|meta.a=b|meta.c=", MATCH_EXACT},
    {"metadata value a number", K_METADATA, "{\"a\":1}", -1,
     "metadata.a: expected a string, got a number", MATCH_EXACT},
    {"metadata empty", K_METADATA, "{}", 0, "n_meta=0", MATCH_EXACT},
};

START_TEST(test_body_case)
{
    const struct body_case *c = &body_cases[_i];
    char *got, *cause = NULL;
    int rc;

    rc = api_render_decode(c->kind, c->json, strlen(c->json), &got, &cause);
    if (c->rc == 0) {
        ck_assert_msg(rc == 0, "%s: unexpected failure: %s", c->name,
                      cause ? cause : "?");
        check_tokens(c->name, got, c->want);
    } else {
        ck_assert_msg(rc == -1, "%s: decoded: %s", c->name, got);
        ck_assert_msg(cause, "%s: no message", c->name);
        if (c->match == MATCH_EXACT)
            ck_assert_msg(strcmp(cause, c->want) == 0,
                          "%s: message \"%s\", want \"%s\"", c->name, cause,
                          c->want);
        else
            ck_assert_msg(strncmp(cause, c->want, strlen(c->want)) == 0,
                          "%s: message \"%s\", want \"%s...\"", c->name, cause,
                          c->want);
    }
    free(cause);
    free(got);
}
END_TEST

static const struct time_case {
    const char *in;
    int rc;
    int64_t ms;
} time_cases[] = {
    {"2023-09-01T19:47:14.774Z", 0, 1693597634774},
    {"2023-12-02T20:59:35+00:00", 0, 1701550775000},
    {"2024-02-16T19:30:43.914350121Z", 0, 1708111843914},
    {"2024-01-03T15:34:29+02:00", 0, 1704288869000},
    {"2024-01-03t13:34:29z", 0, 1704288869000},
    {"2024-02-29T23:59:59.999Z", 0, 1709251199999},
    {"1970-01-01T00:00:00Z", 0, 0},
    {"1969-12-31T23:59:59.5Z", 0, -500},
    {"2023-02-29T00:00:00Z", -1, 0},
    {"2023-13-01T00:00:00Z", -1, 0},
    {"2023-09-01T24:00:00Z", -1, 0},
    {"2023-09-01", -1, 0},
    {"2023-09-01T19:47:14", -1, 0},
    {"2023-09-01T19:47:14.Z", -1, 0},
    {"2023-09-01T19:47:14Z junk", -1, 0},
    {"2023-09-01T19:47:14+0200", -1, 0},
    {"", -1, 0},
};

START_TEST(test_time_parse)
{
    const struct time_case *c = &time_cases[_i];
    int64_t ms = 0;

    ck_assert_msg(api_time_parse(c->in, &ms) == c->rc, "%s", c->in);
    if (c->rc == 0)
        ck_assert_msg(ms == c->ms, "%s: %" PRId64, c->in, ms);
}
END_TEST

static const struct duration_case {
    const char *in;
    int rc;
    int64_t ns;
} duration_cases[] = {
    {"15s", 0, 15000000000},
    {"10s", 0, 10000000000},
    {"1m30s", 0, 90000000000},
    {"1.5h", 0, 5400000000000},
    {"-2ms", 0, -2000000},
    {"+3us", 0, 3000},
    {"2\xce\xbcs", 0, 2000},
    {"0", 0, 0},
    {"0s", 0, 0},
    {".5s", 0, 500000000},
    {"5.s", 0, 5000000000},
    {"1h2m3.5s", 0, 3723500000000},
    {"9223372036854775807ns", 0, INT64_MAX},
    {"-9223372036854775808ns", 0, INT64_MIN},
    {"9223372036854775808ns", -1, 0},
    {"3000000h", -1, 0},
    {"15", -1, 0},
    {"s", -1, 0},
    {".s", -1, 0},
    {"1d", -1, 0},
    {"15 s", -1, 0},
    {"", -1, 0},
    {"-", -1, 0},
};

START_TEST(test_duration_parse)
{
    const struct duration_case *c = &duration_cases[_i];
    int64_t ns = 0;

    ck_assert_msg(api_time_parse_duration(c->in, &ns) == c->rc, "%s", c->in);
    if (c->rc == 0)
        ck_assert_msg(ns == c->ns, "%s: %" PRId64, c->in, ns);
}
END_TEST

static const struct error_case {
    const char *body;
    int status;
    const char *message;
    const char *code;
} error_cases[] = {
    {"{\"error\":\"machine ID 2879325b42d318 lease currently held by "
     "x@y.z, expires at 2026-05-14T10:41:08Z\",\"status\":\"unknown\"}",
     409,
     "machine ID 2879325b42d318 lease currently held by x@y.z, expires at "
     "2026-05-14T10:41:08Z",
     "unknown"},
    {"{\"error\":\"no room\",\"status\":\"insufficient_capacity\","
     "\"details\":{}}",
     412, "no room", "insufficient_capacity"},
    {"{\"error\":\"e\",\"message\":\"m\"}", 400, "m", ""},
    {"{\"error\":\"\",\"message\":\"m\"}", 400, "m", ""},
    {"{\"error\":5}", 500, "{\"error\":5}", ""},
    {"{\"status\":\"unknown\"}", 500, "{\"status\":\"unknown\"}", "unknown"},
    {"upstream connect error\n\x1b[31mred\x7f", 502,
     "upstream connect error ?[31mred?", ""},
    {"\xff\xfe ok \xc2\x9b \xe2\x9c\x93", 500, "?? ok ? \xe2\x9c\x93", ""},
    {"{\"error\":\"two\\nlines\\u0007\"}", 500, "two lines?", ""},
    {"", 503, "HTTP 503", ""},
    {"[]", 500, "[]", ""},
};

START_TEST(test_error_decode)
{
    const struct error_case *c = &error_cases[_i];
    struct api_error e;

    api_error_decode(c->body, strlen(c->body), c->status, &e);
    ck_assert_int_eq(e.http_status, c->status);
    ck_assert_str_eq(e.message, c->message);
    ck_assert_str_eq(e.status, c->code);
    api_error_free(&e);
    api_error_free(&e); /* zeroed: harmless */
}
END_TEST

/* Long error bodies are cut at a character boundary, "..." included. */
START_TEST(test_error_truncated)
{
    struct buf b = BUF_INIT;
    struct api_error e;
    int i;

    for (i = 0; i < 600; i++)
        buf_puts(&b, "\xc3\xa9"); /* e-acute, 2 bytes */
    api_error_decode(b.data, b.len, 500, &e);
    ck_assert_uint_le(strlen(e.message), API_MAX_ERROR_TEXT);
    ck_assert_uint_eq(strlen(e.message), 254 * 2 + 3);
    ck_assert_str_eq(e.message + 254 * 2, "...");
    ck_assert_int_eq(memcmp(e.message, "\xc3\xa9\xc3\xa9", 4), 0);
    api_error_free(&e);
    api_error_decode(NULL, 0, 401, &e);
    ck_assert_str_eq(e.message, "HTTP 401");
    api_error_free(&e);
    buf_free(&b);
}
END_TEST

/* Nesting beyond cJSON's limit is refused, not recursed into. */
START_TEST(test_deep_nesting)
{
    size_t depth = 100000, i;
    char *json = x_malloc(2 * depth + 1);
    char *got, *cause = NULL;

    for (i = 0; i < depth; i++) {
        json[i] = '[';
        json[depth + i] = ']';
    }
    json[2 * depth] = '\0';
    ck_assert_int_eq(
        api_render_decode(K_MACHINES, json, 2 * depth, &got, &cause), -1);
    ck_assert_ptr_nonnull(cause);
    ck_assert_msg(strncmp(cause, "invalid JSON at byte ", 21) == 0, "%s",
                  cause);
    free(cause);
    free(got);
    /* Deep but legal nesting inside an ignored member is fine. */
    memcpy(json, "{\"id\":\"m\",\"x\":", 14);
    for (i = 14; i < 14 + 500; i++)
        json[i] = '[';
    for (; i < 14 + 1000; i++)
        json[i] = ']';
    json[i++] = '}';
    cause = NULL;
    ck_assert_int_eq(api_render_decode(K_MACHINE, json, i, &got, &cause), 0);
    check_tokens("deep", got, "id=m");
    free(got);
    free(json);
}
END_TEST

/* Strings, lists and bodies are bounded. */
START_TEST(test_bounds)
{
    struct buf b = BUF_INIT;
    struct api_machine *v = NULL;
    struct api_machine m;
    char *got, *cause = NULL;
    size_t n = 7, i;

    buf_puts(&b, "{\"id\":\"m\",\"name\":\"");
    for (i = 0; i < API_MAX_STRING + 1; i++)
        buf_putc(&b, 'x');
    buf_puts(&b, "\"}");
    ck_assert_int_eq(api_render_decode(K_MACHINE, b.data, b.len, &got, &cause),
                     -1);
    ck_assert_str_eq(cause, "machine.name: string of 65537 bytes is longer "
                            "than the limit of 65536");
    free(cause);
    free(got);
    buf_reset(&b);

    buf_putc(&b, '[');
    for (i = 0; i <= API_MAX_ITEMS; i++)
        buf_puts(&b, i ? ",{}" : "{}");
    buf_putc(&b, ']');
    cause = NULL;
    ck_assert_int_eq(api_machines_decode(b.data, b.len, &v, &n, &cause), -1);
    ck_assert_str_eq(cause, "machines: more than 100000 items");
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(n, 0);
    free(cause);

    /* The length check comes before the buffer is read. */
    cause = NULL;
    ck_assert_int_eq(
        api_machine_decode("{}", (size_t)API_MAX_BODY + 1, &m, &cause), -1);
    ck_assert_str_eq(cause, "body of 67108865 bytes is larger than the limit "
                            "of 67108864");
    free(cause);
    buf_free(&b);
}
END_TEST

/* Bodies are counted buffers: no NUL needed, an embedded NUL refused. */
START_TEST(test_counted_buffer)
{
    static const char body[] = "{\"id\":\"m1\"}GARBAGE";
    static const char nul[] = "{\"id\":\"m1\"}\0{}";
    struct api_machine m;
    char *cause = NULL;

    ck_assert_int_eq(api_machine_decode(body, 11, &m, &cause), 0);
    ck_assert_str_eq(m.id, "m1");
    api_machine_free(&m);
    ck_assert_int_eq(api_machine_decode(nul, sizeof nul - 1, &m, &cause), -1);
    ck_assert_str_eq(cause, "invalid JSON: NUL byte in body");
    free(cause);
    /* A failed decode leaves a zeroed struct; freeing it is harmless. */
    ck_assert_ptr_null(m.id);
    api_machine_free(&m);
    api_machine_free(NULL);
    api_machines_free(NULL, 0);
    /* CAUSE may be NULL. */
    ck_assert_int_eq(api_machine_decode("[", 1, &m, NULL), -1);
}
END_TEST

/* Lookups on a decoded machine. */
START_TEST(test_machine_lookups)
{
    struct api_machine m;
    const struct api_check_status *c;
    char *cause = NULL;

    ck_assert_int_eq(
        api_machine_decode(PG_MACHINE, strlen(PG_MACHINE), &m, &cause), 0);
    ck_assert_str_eq(api_machine_env(&m, "PRIMARY_REGION"), "iad");
    ck_assert_ptr_null(api_machine_env(&m, "FLY_REGION"));
    ck_assert_str_eq(api_machine_label(&m, "fly.pg-version"), "16.11");
    ck_assert_ptr_null(api_machine_label(&m, "fly.pg"));
    ck_assert_str_eq(api_machine_metadata(&m, "fly_platform_version"), "v2");
    c = api_machine_check(&m, "role");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->output, "replica");
    ck_assert_ptr_null(api_machine_check(&m, "vm"));
    ck_assert_int_eq(api_machine_is_postgres(&m), 1);
    ck_assert_int_eq(api_machine_is_flex(&m), 1);
    api_machine_free(&m);
    /* On a zeroed machine every lookup is empty. */
    ck_assert_ptr_null(api_machine_env(&m, "PRIMARY_REGION"));
    ck_assert_ptr_null(api_machine_check(&m, "role"));
    ck_assert_str_eq(api_machine_role(&m), "unknown");
    ck_assert_int_eq(api_machine_is_postgres(&m), 0);
    ck_assert_int_eq(api_machine_is_active(&m), 0);
}
END_TEST

/* Members, machines of the image that are no member, flavours and every
 * name flex gives a node, on a machines list (api-seeds/pg_image_kinds.json:
 * flex v0.0.66 and v0.0.62, barman, console, release command, stolon). */
START_TEST(test_machine_kinds)
{
    static const char *const kinds[] = {
        NULL, NULL, "barman", "console", "release_command", NULL};
    static const char *const flavors[] = {"flex", "flex", "flex",
                                          "flex", "flex", "stolon"};
    char *path = x_asprintf("%s/tests/fixtures/api-seeds/pg_image_kinds.json",
                            unit_srcdir());
    struct buf b = BUF_INIT;
    char chunk[4096], *cause = NULL;
    struct api_machine *v;
    size_t n, i;
    FILE *f = fopen(path, "rb");

    ck_assert_msg(f, "cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    free(path);
    ck_assert_int_eq(api_machines_decode(b.data, b.len, &v, &n, &cause), 0);
    ck_assert_uint_eq(n, 6);
    for (i = 0; i < n; i++) {
        const char *k = api_machine_non_member(&v[i]);

        ck_assert_int_eq(api_machine_is_postgres(&v[i]), 1);
        if (kinds[i])
            ck_assert_str_eq(k, kinds[i]);
        else
            ck_assert_ptr_null(k);
        ck_assert_str_eq(api_machine_flavor(&v[i]), flavors[i]);
    }
    /* The v0.0.62 node: its private IP, written another way, names it. */
    ck_assert(
        api_node_name_is("3d8d9e1c4b2a71", v[1].id, v[1].private_ip, "old-db"));
    ck_assert(api_node_name_is("fdaa:0:1a2b:a7b:8c:ab12:cd34:3", v[1].id,
                               v[1].private_ip, "old-db"));
    ck_assert(api_node_name_is("fdaa:0000:1a2b:a7b:8c:ab12:cd34:0003", v[1].id,
                               v[1].private_ip, "old-db"));
    ck_assert(api_node_name_is("3d8d9e1c4b2a71.vm.old-db.internal", v[1].id,
                               v[1].private_ip, "old-db"));
    /* Not another node's IP, id or hostname, nor another app's. */
    ck_assert(!api_node_name_is("fdaa:0:1a2b:a7b:8c:ab12:cd34:2", v[1].id,
                                v[1].private_ip, "old-db"));
    ck_assert(!api_node_name_is("148e21ea7d0589", v[1].id, v[1].private_ip,
                                "old-db"));
    ck_assert(!api_node_name_is("3d8d9e1c4b2a71.vm.other-db.internal", v[1].id,
                                v[1].private_ip, "old-db"));
    ck_assert(!api_node_name_is("3d8d9e1c4b2a71.vm.old-db.internal.x", v[1].id,
                                v[1].private_ip, "old-db"));
    ck_assert(!api_node_name_is("", v[1].id, v[1].private_ip, "old-db"));
    ck_assert(api_node_name_is("3d8d9e1c4b2a71", v[1].id, NULL, NULL));
    /* The IPv4 of the local platform compares as an address too. */
    ck_assert(api_node_name_is("127.36.129.3", "6f09563067c10a", "127.36.129.3",
                               "a"));
    ck_assert(!api_node_name_is("127.36.129.30", "6f09563067c10a",
                                "127.36.129.3", "a"));
    api_machines_free(v, n);
    buf_free(&b);
}
END_TEST

/* config_json is the "config" object, whole and verbatim, as compact JSON:
 * it parses back to the same value as the body's config (every field,
 * also those no struct holds), and it is "" without a config. */
START_TEST(test_config_json)
{
    static const char *const files[] = {"machines_create_resp.json",
                                        "launch_syd_resp.json",
                                        "machines_update_resp.json"};
    struct api_machine m;
    char *cause = NULL, *json;
    const char *lit;
    cJSON *body, *back;
    size_t i, len;

    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        json = read_fixture(files[i], &len);
        ck_assert_int_eq(api_machine_decode(json, len, &m, &cause), 0);
        body = cJSON_ParseWithLength(json, len);
        ck_assert_ptr_nonnull(body);
        ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(body, "config"));
        back = cJSON_Parse(m.config_json);
        ck_assert_msg(back ? 1 : 0, "%s: config_json is not JSON", files[i]);
        ck_assert_msg(
            cJSON_Compare(back,
                          cJSON_GetObjectItemCaseSensitive(body, "config"), 1),
            "%s: config_json differs from the body's config", files[i]);
        ck_assert_ptr_null(strchr(m.config_json, '\n'));
        cJSON_Delete(back);
        cJSON_Delete(body);
        api_machine_free(&m);
        free(json);
    }
    /* The reference's flex replica: services and metrics, which no struct
     * field holds, survive. */
    ck_assert_int_eq(
        api_machine_decode(PG_MACHINE, strlen(PG_MACHINE), &m, &cause), 0);
    ck_assert_ptr_nonnull(strstr(m.config_json, "\"services\":[{\"internal_port"
                                                "\":5432}]"));
    ck_assert_ptr_nonnull(strstr(m.config_json, "\"metrics\":{\"port\":9187"));
    ck_assert_ptr_nonnull(strstr(m.config_json, "\"interval\":15000000000"));
    api_machine_free(&m);
    /* No config, a null one, an incomplete one: "". */
    ck_assert_int_eq(api_machine_decode("{\"id\":\"m\"}", 10, &m, &cause), 0);
    ck_assert_str_eq(m.config_json, "");
    api_machine_free(&m);
    lit = "{\"id\":\"m\",\"config\":null}";
    ck_assert_int_eq(api_machine_decode(lit, strlen(lit), &m, &cause), 0);
    ck_assert_str_eq(m.config_json, "");
    api_machine_free(&m);
    lit = "{\"id\":\"m\",\"incomplete_config\":{\"image\":\"pg\"}}";
    ck_assert_int_eq(api_machine_decode(lit, strlen(lit), &m, &cause), 0);
    ck_assert_str_eq(m.config_json, "");
    ck_assert_str_eq(m.config.image, "pg");
    api_machine_free(&m);
    lit = "{\"id\":\"m\",\"config\":{}}";
    ck_assert_int_eq(api_machine_decode(lit, strlen(lit), &m, &cause), 0);
    ck_assert_str_eq(m.config_json, "{}");
    api_machine_free(&m);
}
END_TEST

/* Every fixture file in the directory has a row in fixture_cases. */
START_TEST(test_every_fixture_listed)
{
    static const char *const files[] = {
        "delete_app_resp.json",
        "get_app_resp.json",
        "launch_syd_resp.json",
        "machines_create_resp.json",
        "machines_create_serv_resp.json",
        "machines_lease_create_resp.json",
        "machines_lease_get_resp.json",
        "machines_lease_release_resp.json",
        "machines_metadata_get_resp.json",
        "machines_ok_true_resp.json",
        "machines_start_resp.json",
        "machines_update_resp.json",
        "start_resp.json",
        "stop_resp.json",
        "update_resp.json",
        "volumes_create.json",
        "volumes_delete.json",
        "volumes_extend.json",
        "volumes_get.json",
        "volumes_list.json",
        "volumes_snapshot_ondemand.json",
        "volumes_snapshots_list.json",
        "volumes_update.json",
        "wait_resp.json",
    };
    size_t i, j, n = sizeof fixture_cases / sizeof fixture_cases[0];

    ck_assert_uint_eq(n, sizeof files / sizeof files[0]);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        for (j = 0; j < n; j++)
            if (strcmp(fixture_cases[j].file, files[i]) == 0)
                break;
        ck_assert_msg(j < n, "%s has no case", files[i]);
    }
}
END_TEST

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *api_decode_suite(void)
{
    Suite *s = suite_create("api_decode");
    TCase *tc = tcase_create("api_decode");

    tcase_add_loop_test(tc, test_fixture_decodes, 0, NCASES(fixture_cases));
    tcase_add_test(tc, test_fixture_in_list);
    tcase_add_loop_test(tc, test_body_case, 0, NCASES(body_cases));
    tcase_add_loop_test(tc, test_time_parse, 0, NCASES(time_cases));
    tcase_add_loop_test(tc, test_duration_parse, 0, NCASES(duration_cases));
    tcase_add_loop_test(tc, test_error_decode, 0, NCASES(error_cases));
    tcase_add_test(tc, test_error_truncated);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_counted_buffer);
    tcase_add_test(tc, test_machine_lookups);
    tcase_add_test(tc, test_machine_kinds);
    tcase_add_test(tc, test_config_json);
    tcase_add_test(tc, test_every_fixture_listed);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(api_decode_suite());
}
