#!/bin/bash
# cell.sh WORKLOAD CMD... : one run of a ../shared/bench cell against the
# server started as "CMD PORT WORKLOAD", pinned as run.sh pins it (server on
# CPU 0, load on CPU 1), and prints the server's CPU per request in us
# (per MB for sink). run.sh measures every peer in turn; this measures one
# cell, so that A/B pairs can be run interleaved on a machine whose speed
# drifts (ab.sh does that and sums them up):
#
#   go build -o /tmp/a ./internal/benchserver    # and /tmp/b from the other side
#   internal/benchserver/ab.sh line 12 /tmp/a /tmp/b
#
# Peers: "cell.sh line ../shared/bench/bin/goraw -bufw" (built by run.sh),
# "cell.sh line /usr/bin/python3 ../shared/bench/servers/py_proto.py --loop=uvloop".
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: cell.sh echo|line|sink CMD..." >&2; exit 2; }
wl=$1; shift
bench=${BENCH:-$(cd "$(dirname "$0")/../../../shared/bench" && pwd)}
load=$bench/bin/load # built by run.sh; else build it outside the shared tree
if [ ! -x "$load" ]; then
  load=${XDG_CACHE_HOME:-$HOME/.cache}/aio-bench/load
  (cd "$bench/load" && go build -o "$load" .)
fi
case $wl in
  echo) args="-conns 64 -size 1024 -pipeline 1" ;;
  line) args="-conns 64 -size 100 -pipeline 16" ;;
  sink) args="-conns 1 -size 65536 -pipeline 1" ;;
  *) echo "cell.sh: unknown workload $wl" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
port=$((20000 + RANDOM % 20000))
taskset -c 0 "$@" $port "$wl" > "$out/server" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -qx ready "$out/server" && break; sleep 0.05; done
taskset -c 1 "$load" -addr 127.0.0.1:$port -workload "$wl" $args -duration 3s \
  -server-pid $pid -format csv > "$out/load"
kill $pid; wait $pid 2> /dev/null || true
# CSV fields (bin/load -csv-header): 7 req_per_s, 8 mb_per_s, 15 server_cpu_pct.
tail -1 "$out/load" | awk -F, -v wl="$wl" -v cmd="$(basename "$1")" '{
  if (wl == "sink") printf "%s %s %.1f us/MB\n", cmd, wl, $15/100/$8*1e6;
  else printf "%s %s %.3f us/request\n", cmd, wl, $15/100/$7*1e6 }'
