#!/usr/bin/env bash
# Occam's training step side by side with the PyTorch reference (docs/performance.md), alternating:
# each round runs Occam's bare step, Occam's whole training loop and the reference once, on the same settings.
#
#   bench/training/compare.sh REFERENCE.py [--rounds 5] [--hidden 128] [--threads 1] [--batch 64] [--steps 400]
#                                          [--warmup 300] [--precision auto|fp32|bf16]
#
# The loop is timed over 2,000 steps in windows of 1,000, each with the checkpoint that training writes every 1,000
# steps.
#
# Both programs take --warmup steps before timing (the same number): .NET compiles hot code again, optimised, while the
# first few hundred steps run, so a short warm-up would time Occam's start-up rather than the steady state that a
# training run of thousands of steps sees.
#
# REFERENCE.py: the Cranmer et al. network in plain PyTorch (cranmer_gn_pytorch.py; not part of Occam). Its Python is
# $PYTHON (default /usr/bin/python3, where Debian's python3-torch lives: apt-get install python3-torch
# libopenblas0-openmp). On a CPU with AVX-512 the reference runs with OpenBLAS's AVX-512 kernels
# (OPENBLAS_CORETYPE=SkylakeX, whatever the environment says), since Debian's OpenBLAS 0.3.21 may pick older ones there
# (the reference's header); PEER_OPENBLAS_CORETYPE chooses others. Prints every run, then the medians of graphs/s and the
# ratios.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 REFERENCE.py [--rounds N] [--hidden H] [--threads T] [--batch B] [--steps S] [--warmup W] [--precision P]" >&2
  exit 2
fi
reference=$1; shift
rounds=5 hidden=128 threads=1 batch=64 steps=400 warmup=300 precision=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2 ;; --hidden) hidden=$2 ;; --threads) threads=$2 ;; --batch) batch=$2 ;;
    --steps) steps=$2 ;; --warmup) warmup=$2 ;; --precision) precision=$2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift 2
done
python=${PYTHON:-/usr/bin/python3}
peer_core=${PEER_OPENBLAS_CORETYPE:-}
if [ -z "$peer_core" ] && grep -qw avx512f /proc/cpuinfo; then peer_core=SkylakeX; fi

cd "$(dirname "$0")/../.."
dotnet build bench/training -c Release -v q -nologo >/dev/null
occam="dotnet bench/training/bin/Release/net10.0/Occam.TrainingBench.dll --hidden $hidden --threads $threads --batch $batch --steps $steps --warmup $warmup --precision $precision"

rate() { sed -E 's/.*: ([0-9,]+) graphs\/s.*/\1/' | tr -d ,; }
step=() loop=() torch=()
for ((r = 1; r <= rounds; r++)); do
  line=$($occam --mode step); echo "$line" >&2; step+=("$(rate <<< "$line")")
  line=$($occam --mode loop --steps 2000 --window 1000 --checkpoint-every 1000); echo "$line" >&2; loop+=("$(rate <<< "$line")")
  line=$(env ${peer_core:+OPENBLAS_CORETYPE=$peer_core} "$python" "$reference" --threads "$threads" --batch "$batch" --hidden "$hidden" --steps "$steps" --warmup "$warmup"); echo "$line" >&2
  torch+=("$(rate <<< "$line")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
s=$(median "${step[@]}") l=$(median "${loop[@]}") t=$(median "${torch[@]}")
awk -v core="${peer_core:-${OPENBLAS_CORETYPE:-default}}" -v s="$s" -v l="$l" -v t="$t" -v h="$hidden" -v th="$threads" -v b="$batch" -v n="$rounds" 'BEGIN {
  printf "hidden %d, batch %d, %d thread(s), medians of %d alternating rounds (graphs/s; reference: OpenBLAS %s kernels):\n", h, b, th, n, core
  printf "  occam step %.0f | occam loop %.0f | pytorch %.0f\n", s, l, t
  printf "  step / pytorch %.2fx | loop / pytorch %.2fx | loop / step %.2f\n", s / t, l / t, l / s
}'
