#!/bin/sh
# list-latency.sh: latency of GET /v1/apps/{app}/machines (the console's
# hottest call) for an app of 30 machines, over N requests on one kept-alive
# connection and over N requests with a new connection each (what a client
# without keep-alive pays).  Prints RESULT lines for run-all.sh.
#   env: N (default 1000), MACHINES (default 30)
# A benchmark keeps the default platform: full durability, state on disk.
PD_FSYNC=${PD_FSYNC:-1}
PD_TMP=${PD_TMP:-${TMPDIR:-/tmp}}
. "$srcdir/tests/lib/platformd.sh"
. "$srcdir/tests/lib/pg.sh"

N=${N:-1000}
MACHINES=${MACHINES:-30}
PLACEHOLDER='{"image":"library/ubuntu:latest","init":{"exec":["/bin/sleep","inf"]},"guest":{"cpu_kind":"shared","cpus":1,"memory_mb":256},"metadata":{"fly_process_group":"app"}}'

pd_start >&2 || exit 1
pgc_app_create bench-list >&2 || exit 1
i=0
while [ $i -lt "$MACHINES" ]; do
    pgc_machine_create bench-list iad "$PLACEHOLDER" >/dev/null || exit 1
    i=$((i + 1))
done

# The client reads the token from the state dir itself (never in argv).
python3 - "$PD_URL" "$PD_DIR/token" "$N" <<'PY'
import http.client, sys, time, urllib.parse
url, tokfile, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tok = open(tokfile).read().strip()
u = urllib.parse.urlparse(url)
hdr = {"Authorization": "Bearer " + tok}
path = "/v1/apps/bench-list/machines"

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]

def run(keepalive):
    lat = []
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for i in range(n + 20):
        if not keepalive:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        t = time.perf_counter()
        c.request("GET", path, headers=hdr)
        r = c.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t) * 1000.0
        if r.status != 200:
            sys.exit("HTTP %d: %r" % (r.status, body[:200]))
        if i >= 20:  # warm-up
            lat.append(dt)
        if not keepalive:
            c.close()
    return lat, len(body)

for name, ka in (("keep-alive", True), ("new connection", False)):
    lat, size = run(ka)
    for p in (50, 99):
        print("RESULT|list machines p%d (%s, %d req, %d B)|%.2f|ms|%s" % (
            p, name, n, size, pct(lat, p), "<= 50" if p == 99 else "-"))
PY
rc=$?
pd_stop >&2
exit $rc
