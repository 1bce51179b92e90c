#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time on the committed seeds
# (fuzz/seeds/<target>/, copied into the scratch corpus fuzz/corpus/<target>/, which git
# ignores). Fails if any target crashes, leaks, times out or runs out of memory; the input
# that did it is in fuzz/artifacts/<target>/. See fuzz/README.md.
#
#   fuzz/run.sh                      # every target, 60 s each
#   FUZZ_SECONDS=20 fuzz/run.sh decide origin_parse
#
# FUZZ_SECONDS  seconds per target (default 60)
# FUZZ_JOBS     targets run side by side (default: the number of cores, at most 2)
# FUZZ_FRESH=1  start from the seeds alone, dropping what earlier runs added to the corpus
# CORS_FUZZ_TOLERATE  known findings to tolerate (README.md, "Findings"); none by default
set -euo pipefail
cd "$(dirname "$0")"

ALL_TARGETS=(origin_parse origin_pattern request_headers policy_build decide)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
CORES=$(nproc 2>/dev/null || echo 1)
JOBS=${FUZZ_JOBS:-$((CORES < 2 ? CORES : 2))}
# No sanitizer: the crate forbids `unsafe`, so AddressSanitizer would find nothing the
# assertions do not, and it cut the executions 10-20x here.
SANITIZER=${FUZZ_SANITIZER:-none}
LOGS=target/fuzz-logs
mkdir -p "$LOGS"

echo "building ${#ALL_TARGETS[@]} targets (sanitizer: $SANITIZER)"
cargo +nightly fuzz build --sanitizer "$SANITIZER"

run_target() {
  local target=$1 corpus=corpus/$1
  if [ "${FUZZ_FRESH:-0}" = 1 ]; then rm -rf "$corpus"; fi
  mkdir -p "$corpus" "artifacts/$target"
  cp seeds/"$target"/* "$corpus"/
  # -timeout: one input may take at most 10 s; -rss_limit_mb: and 2 GiB.
  cargo +nightly fuzz run --sanitizer "$SANITIZER" "$target" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -dict=dict/cors.dict -print_final_stats=1 >"$LOGS/$target.log" 2>&1
}

declare -A STATUS
pending=("${TARGETS[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  batch=("${pending[@]:0:$JOBS}")
  pending=("${pending[@]:$JOBS}")
  declare -A PIDS=()
  for target in "${batch[@]}"; do
    echo "fuzzing $target for ${SECONDS_PER_TARGET}s"
    run_target "$target" &
    PIDS[$target]=$!
  done
  for target in "${batch[@]}"; do
    if wait "${PIDS[$target]}"; then STATUS[$target]=ok; else STATUS[$target]=FAILED; fi
  done
  unset PIDS
done

failed=0
printf '\n%-16s %-7s %s\n' target result "executions (libFuzzer's last line)"
for target in "${TARGETS[@]}"; do
  log=$LOGS/$target.log
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  printf '%-16s %-7s %s\n' "$target" "${STATUS[$target]}" "${done_line:-no "Done" line}"
  if [ "${STATUS[$target]}" != ok ]; then
    failed=1
    echo "--- $target: the end of $log"
    grep -E 'panicked at|^thread|SUMMARY|Test unit written|ERROR: libFuzzer' -A2 "$log" | head -30 || true
  fi
done
if [ $failed -ne 0 ]; then
  echo "fuzzing found a problem; reproduce with: cargo +nightly fuzz run --sanitizer $SANITIZER <target> fuzz/artifacts/<target>/<file>"
  exit 1
fi
