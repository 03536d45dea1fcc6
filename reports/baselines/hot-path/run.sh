#!/usr/bin/env bash
# The serving hot path's figures (issue 10), for a quiet machine: every run of RUN.md in order, each
# report under reports/baselines/hot-path/runs/<name>/, the 1-min load average before and after each run
# in runs/loadavg.tsv, then figures.md (the target figures side by side). Takes ~45-60 min.
# Usage: reports/baselines/hot-path/run.sh [name …]   (default: all runs)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=reports/baselines/hot-path/runs
CFG=eval/configs/hot-path
mkdir -p "$OUT"
[ -f "$OUT/loadavg.tsv" ] || printf 'run\tstarted\tload1 before\tload1 after\texit\n' > "$OUT/loadavg.tsv"

run() { # name, then the command's words
  local name=$1; shift
  if [ ${#ONLY[@]} -gt 0 ] && [[ ! " ${ONLY[*]} " =~ " $name " ]]; then return; fi
  local before; before=$(cut -d' ' -f1 /proc/loadavg)
  echo "== $name (load $before): $*"
  rm -rf "${OUT:?}/$name"
  "$@" --out "$OUT/$name" > "$OUT/$name.log" 2>&1
  local rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(date -u +%FT%TZ)" "$before" "$(cut -d' ' -f1 /proc/loadavg)" "$rc" >> "$OUT/loadavg.tsv"
}
ONLY=("$@")
run_if_named() { # a run that is left out of "everything"
  if [ ${#ONLY[@]} -eq 0 ]; then echo "== $1: skipped (name it to run it)"; return; fi
  run "$@"
}
L="npx tsx eval/cli.ts"

# latency: Memocha − direct TTFT overhead (memory on with 10k memories per user; memory off)
run latency-mem10k-c100          $L latency --config $CFG/latency-mem10k-c100.json
run latency-mem10k-c1            $L latency --config $CFG/latency-mem10k-c1.json
run latency-memoff-c1            $L latency --config $CFG/latency-memoff-c1.json
# the same with the static embedder: what the embedding model costs
EMBEDDINGS=static run latency-mem10k-c100-static $L latency --config $CFG/latency-mem10k-c100.json
EMBEDDINGS=static run latency-mem10k-c1-static   $L latency --config $CFG/latency-mem10k-c1.json
# 100 streams with the LLM queue wider than them: the default LLM_MAX_CONCURRENCY (64) queues 36 of the 100
LLM_MAX_CONCURRENCY=128 run latency-mem10k-c100-q128 $L latency --config $CFG/latency-mem10k-c100.json
EMBEDDINGS=static LLM_MAX_CONCURRENCY=128 run latency-mem10k-c100-static-q128 $L latency --config $CFG/latency-mem10k-c100.json
# the exact vector scan is the largest part of retrieval at 10k memories: the same with an HNSW index
# (seeding 80,000 rows into a graph runs at ~40 rows/s on PGlite: over 30 min; run it by name when you have the time)
VECTOR_INDEX=hnsw run_if_named latency-mem10k-c100-hnsw $L latency --config $CFG/latency-mem10k-c100.json
# closed-loop saturation with memory on (turns/s, server overhead p99, event-loop delay p99, bottleneck attribution)
run load-saturation              $L load --config $CFG/load-saturation.json
EMBEDDINGS=static run load-saturation-static $L load --config $CFG/load-saturation.json
# 500 concurrent SSE streams: added inter-token delay by SSE_COALESCE_MS (the default is chosen from these)
run load-streams-500-coalesce0   $L load --config $CFG/load-streams-500-coalesce0.json
run load-streams-500-coalesce2   $L load --config $CFG/load-streams-500-coalesce2.json
run load-streams-500-coalesce5   $L load --config $CFG/load-streams-500-coalesce5.json
# the CPU profile of a saturated server (one step, 50 users, no think time), and its top frames
run profile-saturated            $L load --config $CFG/profile-saturated.json
if [ -f reports/baselines/hot-path/profile/step-1.cpuprofile ]; then
  npx tsx eval/tools/profile-top.ts reports/baselines/hot-path/profile/step-1.cpuprofile --top 40 > reports/baselines/hot-path/profile/top-frames.md
  gzip -kf reports/baselines/hot-path/profile/step-1.cpuprofile
fi

npx tsx eval/tools/hot-path-figures.ts "$OUT" > reports/baselines/hot-path/figures.md
echo "figures: reports/baselines/hot-path/figures.md"
