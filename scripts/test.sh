#!/usr/bin/env bash
# Runs every test suite: unit (no root), netns (namespaces on this host) and vm (a stock Debian kernel
# in qemu, for IPVS and dummy interfaces). Installs what the tests need when it is missing, builds once,
# and ends with ctest's summary. Usage: sudo ./scripts/test.sh [--label unit|netns|vm]... [--sanitize] [-- CTEST ARGS]
# --sanitize: the unit and netns suites (or the --label ones) on a clang ASan+UBSan build in build-asan/.
# No arguments (CI): every suite, then the sanitized unit+netns suites, then each fuzzer for 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

labels=()
ctest_extra=()
sanitize=
while [ $# -gt 0 ]; do
  case "$1" in
    --label) labels+=("$2"); shift 2 ;;
    --sanitize) sanitize=only; shift ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#labels[@]} -eq 0 ] && [ -z "$sanitize" ]; then labels=(unit netns vm); sanitize=also; fi

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

for l in "${labels[@]}"; do
  if [ "$l" = vm ]; then tests/kernel/fetch-kernel.sh; fi
done

status=0
if [ "$sanitize" != only ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)"
  regex=$(IFS='|'; echo "^(${labels[*]})\$")
  (cd build && ctest --output-on-failure -L "$regex" "${ctest_extra[@]}") || status=1
fi
if [ -n "$sanitize" ]; then
  # One clang build serves the sanitized suites and the fuzzers (scripts/fuzz.sh uses it too).
  [ "$sanitize" = also ] || [ ${#labels[@]} -eq 0 ] && labels=(unit netns)
  CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDIRECTOR_FUZZ=ON >/dev/null
  cmake --build build-asan -j"$(nproc)"
  regex=$(IFS='|'; echo "^(${labels[*]})\$")
  # Reports go to files too: a daemon a suite kills without checking its exit must not hide one.
  reports=$PWD/build-asan/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  (cd build-asan && ASAN_OPTIONS="log_path=$reports/asan:log_exe_name=1" UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1" \
    ctest --output-on-failure -L "$regex" "${ctest_extra[@]}") || status=1
  if [ -n "$(ls -A "$reports")" ]; then cat "$reports"/*; echo "sanitizer reports above ($reports)" >&2; status=1; fi
  if [ "$sanitize" = also ]; then scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-60}" || status=1; fi
fi
exit $status
