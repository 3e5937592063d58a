#!/bin/bash
# ab.sh WORKLOAD ROUNDS CMD_A CMD_B [CMD...] : ROUNDS rounds of cell.sh, each
# command once a round in the order given, then for each command the median
# of its figures and the median of its ratio to CMD_A within a round, with
# the quartiles of that ratio. A command with arguments is one quoted word:
#
#   go build -o /tmp/a ./internal/benchserver   # and /tmp/b from the change
#   internal/benchserver/ab.sh line 12 /tmp/a /tmp/b "$BENCH/bin/goraw -bufw"
#
# A single run of a cell varies by 20-40% on a shared machine, and the
# machine's speed drifts over minutes; the ratio within a round cancels
# most of the drift. A change of less than about 3% in the median ratio is
# not resolved by a dozen rounds. A run that fails (a port already taken,
# say) is left out of its round.
set -uo pipefail
[ $# -ge 4 ] || { echo "usage: ab.sh echo|line|sink ROUNDS CMD_A CMD_B [CMD...]" >&2; exit 2; }
wl=$1 rounds=$2
shift 2
cell=$(dirname "$0")/cell.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for i in $(seq "$rounds"); do
  k=0
  for c in "$@"; do
    # shellcheck disable=SC2086 # the command's words are its arguments
    v=$("$cell" "$wl" $c 2> /dev/null | awk '{print $3}')
    [ -n "$v" ] && echo "$i $k $v" >> "$out"
    k=$((k + 1))
  done
done
for k in $(seq 0 $(($# - 1))); do
  name=${*:$((k + 1)):1}
  awk -v k="$k" '$2 == 0 {a[$1] = $3} $2 == k {v[$1] = $3}
    END {for (i in v) {print "v", v[i]; if (i in a) print "r", v[i] / a[i]}}' "$out" |
    sort -k1,1 -k2,2g |
    awk -v name="$name" '
      $1 == "v" {v[nv++] = $2} $1 == "r" {r[nr++] = $2}
      function med(x, n) {return (x[int((n - 1) / 2)] + x[int(n / 2)]) / 2}
      END {
        if (nv == 0) {printf "%-50s no run succeeded\n", name; exit}
        if (nr == 0) {printf "%-50s median %.3f  no round with the first  n=%d\n", name, med(v, nv), nv; exit}
        printf "%-50s median %.3f  ratio to the first %.3f [%.3f, %.3f]  n=%d\n", name,
          med(v, nv), med(r, nr), r[int(nr / 4)], r[int((3 * nr - 1) / 4)], nv
      }'
done
