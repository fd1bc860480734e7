#!/usr/bin/env bash
# Mini-batching on large data: `occam regress` with and without --batch-size on 100,000 clean rows of two laws, the runs
# alternating so that both see the same machine load. Prints wall seconds, rounds and stop reason per run.
#
# Usage: bench/symbolic/batching.sh [batch-size 1000] [seeds "1 2 3"] [time limit 120]
set -euo pipefail
cd "$(dirname "$0")/../.."
batch=${1:-1000}
seeds=${2:-"1 2 3"}
limit=${3:-120}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet build src/Occam.Cli -c Release -v q -nologo >/dev/null
occam="dotnet src/Occam.Cli/bin/Release/net10.0/occam.dll"
python3 - "$dir" <<'PY'
import math, random, sys
random.seed(7)
laws = {
    "product": (lambda a, b, c: a * b / (c * c), (0.5, 3)),
    "radial": (lambda a, b, c: 2 * math.sqrt(a * a + b * b + 1), (-3, 3)),
}
for name, (f, (lo, hi)) in laws.items():
    with open(f"{sys.argv[1]}/{name}.csv", "w") as out:
        out.write("x0,x1,x2,y\n")
        for _ in range(100_000):
            a, b, c = (random.uniform(lo, hi) for _ in range(3))
            out.write(f"{a!r},{b!r},{c!r},{f(a, b, c)!r}\n")
PY
for law in product radial; do
  for seed in $seeds; do
    for mode in all batch; do
      extra=""; [ "$mode" = batch ] && extra="--batch-size $batch"
      start=$(date +%s.%N)
      line=$($occam regress "$dir/$law.csv" -t y --seed "$seed" -q --time-limit "$limit" $extra | grep "Pareto front")
      printf '%-8s seed %s %-6s %6.1f s  %s\n' "$law" "$seed" "$mode" "$(echo "$(date +%s.%N) - $start" | bc)" "$line"
    done
  done
done
