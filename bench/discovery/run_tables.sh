#!/usr/bin/env bash
# Reproduces Cranmer et al. 2020 Table 1 (R² of the significant message components against the true force,
# the better of F and F / m_receiver) and Table 5 (law recovered ✓/✗) at the quick preset, with `occam discover`.
#
# Usage: bench/discovery/run_tables.sh [out-dir]
#   SYSTEMS="spring r1 r2 charge damped discontinuous"  VARIANTS="standard bottleneck l1 kl"  DIMS="2 3"
#   EXTRA="--steps 4000"   (extra options passed to every run)
# Each run writes <out-dir>/<system>-<dim>d-<variant>/summary.json; the tables are printed from those files,
# so an interrupted sweep can be continued (finished runs are skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/discovery/out}
systems=${SYSTEMS:-"spring r1 r2 charge damped discontinuous"}
variants=${VARIANTS:-"standard bottleneck l1 kl"}
dims=${DIMS:-"2"}
mkdir -p "$out"
dotnet build src/Occam.Cli -c Release -v q -nologo >/dev/null
occam="dotnet src/Occam.Cli/bin/Release/net10.0/occam.dll"

for dim in $dims; do
  for system in $systems; do
    for variant in $variants; do
      dir="$out/$system-${dim}d-$variant"
      if [ -f "$dir/summary.json" ]; then continue; fi
      echo "== $system ${dim}D $variant" >&2
      start=$(date +%s)
      $occam discover --system "$system" --dim "$dim" --variant "$variant" --out "$dir" ${EXTRA:-} </dev/null \
        > "$dir.log" 2>&1 || echo "   failed (see $dir.log)" >&2
      echo "   $(( $(date +%s) - start )) s: $(tail -1 "$dir.log")" >&2
    done
  done
done

python3 - "$out" "$dims" "$systems" "$variants" <<'PY'
import json, os, sys
out, dims, systems, variants = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split()
def load(s, d, v):
    p = os.path.join(out, f"{s}-{d}d-{v}", "summary.json")
    return json.load(open(p)) if os.path.exists(p) else None
def table(title, cell):
    print(title)
    print("| system | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    for d in dims:
        for s in systems:
            cells = ["–" if (j := load(s, d, v)) is None else cell(j) for v in variants]
            print(f"| {s}-{d} | " + " | ".join(cells) + " |")
table("Table 1: R² of the significant message components vs the true force (max of F and F/m_receiver)",
      lambda j: f"{max(j['r2_vs_force'] or 0, j['r2_vs_force_per_mass'] or 0):.3f}")
print()
table("Table 5: law recovered (fresh-edge R² ≥ 0.99 and the right variables), seconds in brackets",
      lambda j: ("✓" if j["recovered"] else "✗") + f" ({j['seconds']:.0f} s)")
PY
