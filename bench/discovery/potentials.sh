#!/usr/bin/env bash
# The potential matrix of issue 29: `occam discover` (quick preset, L1, seed 0 unless SEED) on pair potentials that are not among the
# built-in systems, each with the operators given, and a verdict per case from its summary.json.
#
# Usage: bench/discovery/potentials.sh [out-dir]
#   OPERATORS=""   (the searches' operators; empty, the default: discover's own)
#   SEED=0  EXTRA="--steps 4000"   (extra options passed to every run)
#   CASES="morse yukawa"   (only these cases; e.g. two sweeps side by side on disjoint lists)
# Each run writes <out-dir>/<case>/summary.json; finished runs are skipped, so an interrupted sweep continues.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/discovery/potentials-out}
ops=${OPERATORS-}
seed=${SEED:-0}
mkdir -p "$out"
dotnet build src/Occam.Cli -c Release -v q -nologo >/dev/null
occam="dotnet src/Occam.Cli/bin/Release/net10.0/occam.dll"

# name | dim | potential U(r, masses, charges); the force is −U′(r)·Δ/r
cases=(
  "exponential|2|exp(-r)"
  "yukawa|2|q1*q2*exp(-r)/r"
  "quartic|2|0.25*(r-1)^4"
  "inverse-square|2|m1*m2/(r*r)"
  "log-well|2|log(1+r*r)"
  "lorentzian|2|1/(1+r*r)"
  "hyperbolic|2|sqrt(1+r*r)"
  "gaussian|2|exp(-r*r)"
  "morse|2|(1-exp(1-r))^2"
  "linear-charge|2|q1*q2*r"
  "mass-spring|2|m2*(r-1.5)^2"
  "exponential-3d|3|exp(-r)"
)

printf "%-16s %-4s %-24s %-10s %-10s %-7s %s\n" case dim potential recovered "1-R2 form" seconds law
for c in "${cases[@]}"; do
  IFS='|' read -r name dim potential <<< "$c"
  if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $name "* ]]; then continue; fi
  dir="$out/$name"
  if [ ! -f "$dir/summary.json" ]; then
    start=$(date +%s)
    $occam discover --potential "$potential" --dim "$dim" --seed "$seed" ${ops:+--operators "$ops"} --out "$dir" ${EXTRA:-} </dev/null \
      > "$dir.log" 2>&1 || true
    echo $(( $(date +%s) - start )) > "$dir.seconds"
  fi
  python3 - "$dir/summary.json" "$name" "$dim" "$potential" "$(cat "$dir.seconds" 2>/dev/null || echo ?)" <<'PY'
import json, sys
path, name, dim, potential, seconds = sys.argv[1:]
try:
    s = json.load(open(path))
    frame = s.get("force_frame") or {}
    law = (frame.get("magnitude") or {}).get("law") or " ; ".join(c["best"]["equation"] for c in s.get("components", []) if c.get("best"))
    form = (s.get("recovery") or {}).get("form_r2")
    gap = f"{1 - form:.1e}" if isinstance(form, (int, float)) else "-"
    print(f"{name:<16} {dim:<4} {potential:<24} {str(s.get('recovered')).lower():<10} {gap:<10} {seconds:<7} {law}")
except Exception as e:
    print(f"{name:<16} {dim:<4} {potential:<24} {'failed':<10} {'-':<10} {seconds:<7} ({e})")
PY
done
