"""refresh_time.py PGDECK RUNS CLUSTERS NODES: times RUNS full refreshes
(`pgdeck status --json` with no snapshot cache, process start included),
checking each saw CLUSTERS clusters of NODES nodes whose probes ran.
Prints one JSON object: {"times": [seconds, sorted], "rss_kb": the peak
RSS of the runs}.  Exits non-zero, saying why, when a run is wrong.
Shared by fleet-refresh.sh and refresh-scale.sh."""
import json
import os
import resource
import subprocess
import sys
import time


def main():
    exe, runs = sys.argv[1], int(sys.argv[2])
    nc, nn = int(sys.argv[3]), int(sys.argv[4])
    cache = os.path.join(os.environ["XDG_STATE_HOME"], "pgdeck",
                         "cache-local.json")
    times = []
    for i in range(runs):
        if os.path.exists(cache):
            os.unlink(cache)
        t = time.perf_counter()
        p = subprocess.run([exe, "status", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        try:
            d = json.loads(p.stdout)
        except ValueError:
            sys.exit("run %d: rc %d, no JSON; stderr: %s"
                     % (i, p.returncode, p.stderr[:500]))
        n = sum(len(c["nodes"]) for c in d["clusters"])
        if p.returncode == 4 or len(d["clusters"]) != nc or n != nc * nn:
            sys.exit("run %d: rc %d, %d clusters, %d nodes (want %d x %d): %s"
                     % (i, p.returncode, len(d["clusters"]), n, nc, nn,
                        p.stderr[:300]))
        if not all(x["stale_reason"] for c in d["clusters"]
                   for x in c["nodes"]):
            sys.exit("run %d: a probe did not run" % i)
        times.append(dt)
    # ru_maxrss of children: the largest of them so far (kB).
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"times": sorted(times), "rss_kb": rss}))


main()
