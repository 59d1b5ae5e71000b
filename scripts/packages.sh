# Package lists shared by install.sh and scripts/test.sh (sourced, not run).
# Build dependencies, by package manager.
APT_BUILD_PACKAGES="build-essential cmake pkg-config libboost-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
  libspdlog-dev libssl-dev libgtest-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev"
DNF_BUILD_PACKAGES="gcc-c++ make cmake pkgconf-pkg-config boost-devel libnl3-devel spdlog-devel openssl-devel
  gtest-devel cli11-devel json-devel yaml-cpp-devel"
# What the director runs at run time besides its own libraries (iptables for care's link mode; its ipset is kept
# over netlink, the ipset tool is for operators and the tests).
APT_RUNTIME_PACKAGES="iproute2 iptables ipset kmod"
DNF_RUNTIME_PACKAGES="iproute iptables ipset kmod"
# Test-only tools: the real peers and servers the suites run against, and the VM they boot.
APT_TEST_PACKAGES="keepalived ipvsadm tcpdump nginx-light openssl curl python3 iputils-ping busybox-static
  qemu-system-x86 cpio procps psmisc python3-prometheus-client python3-aiosmtpd"
# The sanitizer and fuzzer build: clang, its ASan/UBSan/libFuzzer runtimes, llvm-symbolizer for reports.
APT_TEST_PACKAGES="$APT_TEST_PACKAGES clang libclang-rt-dev llvm"

# apt_install PKG...: installs what is missing, quietly, without prompts.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
