#!/usr/bin/env bash
# Time to the law of `occam regress` with its default operators: eight laws of two inputs on 1,000 clean rows drawn
# uniformly from [-3, 3]² (seed 7), each searched at the seeds given. Prints wall seconds, the stop reason and the best
# equation per run; a run that ends by "exact fit" found the law. docs/symbolic-regression.md, "Default operators and
# early stop", has the measurements.
#
# Usage: bench/symbolic/tail.sh [seeds "1 2 3"] [time limit 40] [laws "radial coswave gauss logsq sinmix lorentz expdecay sqrtratio"]
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-"1 2 3"}
limit=${2:-40}
laws=${3:-"radial coswave gauss logsq sinmix lorentz expdecay sqrtratio"}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet build src/Occam.Cli -c Release -v q -nologo >/dev/null
occam="dotnet src/Occam.Cli/bin/Release/net10.0/occam.dll"
python3 - "$dir" <<'PY'
import math, random, sys
laws = {
    "radial": lambda a, b: 2 * math.sqrt(a * a + b * b + 1),
    "coswave": lambda a, b: b * math.cos(3 * a) - 1,
    "gauss": lambda a, b: math.exp(-a * a) * b,
    "logsq": lambda a, b: math.log(a * a + 1) * b + 2,
    "sinmix": lambda a, b: a * math.sin(b) + b * b,
    "lorentz": lambda a, b: 3 * a / (b * b + 1),
    "expdecay": lambda a, b: 1.5 * math.exp(-0.5 * a) * math.sin(b),
    "sqrtratio": lambda a, b: math.sqrt(a * a + 4) / (b * b + 1),
}
rng = random.Random(7)
for name, f in laws.items():
    with open(f"{sys.argv[1]}/{name}.csv", "w") as out:
        out.write("x0,x1,y\n")
        for _ in range(1000):
            a, b = rng.uniform(-3, 3), rng.uniform(-3, 3)
            out.write(f"{a!r},{b!r},{f(a, b)!r}\n")
PY
printf "%-10s %-5s %-8s %-12s %s\n" law seed seconds stop best
for law in $laws; do
  for seed in $seeds; do
    start=$(date +%s.%N)
    $occam regress "$dir/$law.csv" -t y --seed "$seed" --time-limit "$limit" -q --json "$dir/r.json" >/dev/null
    python3 - "$dir/r.json" "$law" "$seed" "$start" <<'PY'
import json, sys, time
path, law, seed, start = sys.argv[1:]
seconds = time.time() - float(start)
r = json.load(open(path))
print(f"{law:<10} {seed:<5} {seconds:<8.1f} {r.get('stop_reason', '?'):<12} {r['best']['equation']}")
PY
  done
done
