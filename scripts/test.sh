#!/usr/bin/env bash
# Runs every test suite: unit (no root), netns (namespaces on this host) and vm (a stock Debian kernel
# in qemu, for IPVS and dummy interfaces). Installs what the tests need when it is missing, builds once,
# and ends with ctest's summary. Usage: sudo ./scripts/test.sh [--label unit|netns|vm]... [-- CTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

labels=()
ctest_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --label) labels+=("$2"); shift 2 ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#labels[@]} -eq 0 ] && labels=(unit netns vm)

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

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

regex=$(IFS='|'; echo "^(${labels[*]})\$")
cd build
exec ctest --output-on-failure -L "$regex" "${ctest_extra[@]}"
