#!/usr/bin/env bash
# Runs the test suites: unit (no root), netns (namespaces on this host), drill (fault drills, namespaces)
# and vm (a stock Debian kernel in qemu, for IPVS and dummy interfaces). Installs what the tests need when it is missing, builds each tree
# once, and ends with ctest's summaries.
# Usage: sudo ./scripts/test.sh [--label unit|netns|drill|vm]... [--sanitize|--tsan] [-- CTEST ARGS]
#   no arguments (CI): unit, netns and drill on the clang ASan+UBSan build (build-asan/), each fuzzer for
#     FUZZ_SECONDS (60), then the vm suites on the release build (build/), the binary that ships;
#   --label L: those suites on the release build;  --sanitize [--label L]: on the sanitized build (with no
#     label: unit, netns and drill under ASan+UBSan, then unit under ThreadSanitizer, the code that runs on
#     worker threads; a second full build, so by hand, not in CI);
#   --tsan [--label L]: on the ThreadSanitizer build only (build-tsan/; unit by default).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

labels=()
ctest_extra=()
sanitize=
tsan=
while [ $# -gt 0 ]; do
  case "$1" in
    --label) labels+=("$2"); shift 2 ;;
    --sanitize) sanitize=only; shift ;;
    --tsan) tsan=1; shift ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
# What runs where: plain_labels on build/, asan_labels on build-asan/.
plain_labels=() asan_labels=() tsan_labels=() fuzz=
if [ -n "$tsan" ]; then
  tsan_labels=("${labels[@]}")
  [ ${#tsan_labels[@]} -eq 0 ] && tsan_labels=(unit)
elif [ ${#labels[@]} -eq 0 ] && [ -z "$sanitize" ]; then
  asan_labels=(unit netns drill) plain_labels=(vm) fuzz=1
elif [ -n "$sanitize" ]; then
  asan_labels=("${labels[@]}")
  if [ ${#asan_labels[@]} -eq 0 ]; then asan_labels=(unit netns drill) tsan_labels=(unit); fi
else
  plain_labels=("${labels[@]}")
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh needs root (namespaces, raw sockets, the VM's 9p root); run it with sudo" >&2
  exit 1
fi
if command -v apt-get >/dev/null; then
  # shellcheck disable=SC2086
  apt_install $APT_BUILD_PACKAGES $APT_RUNTIME_PACKAGES $APT_TEST_PACKAGES
else
  echo "warning: not a Debian/Ubuntu machine; test tools must already be installed" >&2
fi
# The packaged keepalived and nginx are test peers, never services of this machine.
systemctl disable --now keepalived nginx >/dev/null 2>&1 || true

for l in "${plain_labels[@]}" "${asan_labels[@]}" "${tsan_labels[@]}"; do
  if [ "$l" = vm ]; then tests/kernel/fetch-kernel.sh; fi
done

# sanitized_suites DIR CMAKE_OPTION ENV_ASSIGNMENT... -- LABEL...: builds DIR with clang and CMAKE_OPTION,
# runs the labelled suites with the sanitizer options given (each may use $reports), and fails on any
# report. Reports go to files too: a daemon a suite kills without checking its exit must not hide one.
sanitized_suites() {
  local dir=$1 option=$2 envs=() regex
  shift 2
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$option" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  regex=$(IFS="|"; echo "^($*)\$")
  reports=$PWD/$dir/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  # -j: unit tests share the cores; the root suites are RUN_SERIAL, so they still run alone.
  (cd "$dir" && env "${envs[@]//@REPORTS@/$reports}" ctest --output-on-failure -j"$(nproc)" -L "$regex" "${ctest_extra[@]}") ||
    status=1
  if [ -n "$(ls -A "$reports")" ]; then cat "$reports"/*; echo "sanitizer reports above ($reports)" >&2; status=1; fi
}

status=0
if [ ${#asan_labels[@]} -gt 0 ]; then
  # One clang build serves the sanitized suites and the fuzzers (scripts/fuzz.sh uses it too).
  sanitized_suites build-asan -DDIRECTOR_FUZZ=ON "ASAN_OPTIONS=log_path=@REPORTS@/asan:log_exe_name=1" \
    "UBSAN_OPTIONS=log_path=@REPORTS@/ubsan:print_stacktrace=1" -- "${asan_labels[@]}"
  if [ -n "$fuzz" ]; then scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-60}" || status=1; fi
fi
if [ ${#tsan_labels[@]} -gt 0 ]; then
  sanitized_suites build-tsan -DDIRECTOR_TSAN=ON "TSAN_OPTIONS=log_path=@REPORTS@/tsan:second_deadlock_stack=1" \
    -- "${tsan_labels[@]}"
fi
if [ ${#plain_labels[@]} -gt 0 ]; then
  # Release, as install.sh builds it: the suites run the binary that ships (and, without debug info, it
  # builds in 4 minutes instead of 6.5 on two cores).
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  if [ "${plain_labels[*]}" = vm ]; then
    # The VM suites run the program only; the test binaries are the sanitized build's business.
    cmake --build build -j"$(nproc)" --target director
  else
    cmake --build build -j"$(nproc)"
  fi
  regex=$(IFS='|'; echo "^(${plain_labels[*]})\$")
  (cd build && ctest --output-on-failure -L "$regex" "${ctest_extra[@]}") || status=1
fi
exit $status
