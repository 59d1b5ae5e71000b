#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan; the same build dir as `test.sh --sanitize`) and runs
# each for N seconds from its committed seeds (tests/fuzz/corpus/NAME/) plus what earlier runs found
# (BUILD/fuzz/NAME/corpus/). Prints exec/s and coverage per target; exits 1 if any target crashed, with
# the input saved under BUILD/fuzz/NAME/. Usage: scripts/fuzz.sh [--seconds N] [--jobs N] [TARGET...]
# Targets: vrrp_packet config ipvs_reply rtnl_reply http_response care_flags (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
jobs=$(nproc)
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(vrrp_packet config ipvs_reply rtnl_reply http_response care_flags)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "unknown target: $t (one of: ${all[*]})" >&2; exit 2; }
done

build=${DIRECTOR_SANITIZE_BUILD:-build-asan}
command -v clang++ >/dev/null || { echo "clang++ is missing: apt-get install clang libclang-rt-14-dev llvm" >&2; exit 1; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIRECTOR_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target fuzzers

# One target: fresh log, corpus kept between runs, crash inputs named after the target.
run_one() {
  local t=$1 dir="$build/fuzz/$1"
  mkdir -p "$dir/corpus"
  local dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$build/bin/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "${dict[@]}" "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
}

status=0
pids=()
names=()
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
  pids+=($!)
  names+=("$t")
done
declare -A rc
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then rc[${names[$i]}]=0; else rc[${names[$i]}]=$?; fi
done

printf '%-14s %8s %10s %8s %8s %7s %6s  %s\n' target seconds execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  log="$build/fuzz/$t/log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$build/fuzz/$t/corpus" -type f | wc -l)
  result=ok
  if [ "${rc[$t]}" -ne 0 ]; then
    status=1
    art=$(ls -t "$build/fuzz/$t"/{crash,leak,timeout,oom,slow-unit}-* 2>/dev/null | head -1 || true)
    result="FAILED (exit ${rc[$t]}): ${art:-see $log}; reproduce: $build/bin/fuzz/$t ${art:-INPUT}"
  fi
  printf '%-14s %8s %10s %8s %8s %7s %6s  %s\n' "$t" "$seconds" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
    "$corpus" "$result"
done
exit $status
