#!/usr/bin/env bash
# Installs lvs-director from this source tree: build dependencies (apt, or dnf/yum), a Release build,
# /usr/local/sbin/director (+ the lvscare name), example configs in /etc/director/ and a systemd unit.
# Safe to run again: it rebuilds, replaces the binary, and never overwrites a config you edited.
# Nothing it installs takes a VIP: the unit reads director.conf, which only you create, and the example
# configs name an interface that does not exist until you edit them.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/packages.sh

prefix=/usr/local
confdir=/etc/director
unitdir=/etc/systemd/system
deps=1
systemd=1
binary=
usage() {
  cat <<'USAGE'
Usage: sudo ./install.sh [--prefix DIR] [--confdir DIR] [--unitdir DIR] [--binary FILE] [--no-deps] [--no-systemd]

  --prefix DIR    install the binaries under DIR/sbin (default /usr/local)
  --confdir DIR   example configs go here (default /etc/director); existing files are kept
  --unitdir DIR   where director.service goes (default /etc/systemd/system)
  --binary FILE   install this director binary instead of building one
  --no-deps       do not install build dependencies with apt/dnf/yum
  --no-systemd    do not install the director.service unit

Then: cp /etc/director/keepalived-master.conf /etc/director/director.conf (keepalived-backup.conf on the
      backup), set interface and the addresses in it, `director check -f /etc/director/director.conf`,
      and `systemctl enable --now director` (or `director run -f /etc/director/director.conf`).
USAGE
}
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --confdir) confdir=$2; shift 2 ;;
    --unitdir) unitdir=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --no-deps) deps=0; shift ;;
    --no-systemd) systemd=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo ./install.sh)" >&2; exit 1; }

did=()
if [ $deps -eq 1 ]; then
  if command -v apt-get >/dev/null; then
    # shellcheck disable=SC2086
    apt_install $APT_BUILD_PACKAGES $APT_RUNTIME_PACKAGES
    did+=("build dependencies present (apt)")
  elif command -v dnf >/dev/null || command -v yum >/dev/null; then
    pm=$(command -v dnf || command -v yum)
    # spdlog, CLI11 and yaml-cpp come from EPEL on RHEL-family systems.
    if [ -f /etc/redhat-release ] && ! rpm -q epel-release >/dev/null 2>&1; then
      "$pm" install -y -q epel-release || true
    fi
    # shellcheck disable=SC2086
    "$pm" install -y -q $DNF_BUILD_PACKAGES $DNF_RUNTIME_PACKAGES
    did+=("build dependencies present ($(basename "$pm"))")
  else
    echo "install.sh: no apt-get, dnf or yum; install the build dependencies yourself and use --no-deps" >&2
    exit 1
  fi
fi

if [ -z "$binary" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-release -j"$(nproc)"
  binary=build-release/bin/director
fi
install -D -m 0755 "$binary" "$prefix/sbin/director"
ln -sfn director "$prefix/sbin/lvscare"
did+=("installed $prefix/sbin/director and $prefix/sbin/lvscare -> director")

# The examples say `interface eth0` and carry the seed's addresses: run unedited they would put
# 10.120.100.100 on a real network. The installed copies name an interface that does not exist, so an
# unedited copy takes no VIP (its instance stays in FAULT) until interface and addresses are set. Their
# script paths follow --confdir, where the scripts are installed.
install_example() {
  {
    echo "! Example installed by install.sh: it takes no VIP until 'interface' (CHANGE-ME below) and the"
    echo "! addresses are your network's. Copy it to director.conf, edit, then: director check -f FILE"
    sed -E -e 's/^([[:space:]]*interface[[:space:]]+)[^[:space:]]+/\1CHANGE-ME/' -e "s#/etc/director/#$confdir/#g" "$1"
  } >"$2.tmp"
  chmod 0644 "$2.tmp"
  mv "$2.tmp" "$2"
}
install -d -m 0755 "$confdir"
for f in conf/*.conf; do
  [ -e "$f" ] || continue
  dest="$confdir/$(basename "$f")"
  if [ -e "$dest" ]; then
    did+=("kept existing $dest")
  else
    install_example "$f" "$dest"
    did+=("installed $dest (interface CHANGE-ME: edit before use)")
  fi
done
for f in scripts/check_apiserver.sh scripts/realserver.sh; do
  [ -e "$f" ] || continue
  # Root-owned and not group/world-writable: the example configs set enable_script_security.
  install -o root -g root -m 0755 "$f" "$confdir/$(basename "$f")"
  did+=("installed $confdir/$(basename "$f")")
done

if [ $systemd -eq 1 ]; then
  install -d -m 0755 "$unitdir"
  sed "s#@SBINDIR@#$prefix/sbin#g; s#@CONFDIR@#$confdir#g" conf/director.service.in >"$unitdir/director.service"
  did+=("installed $unitdir/director.service (reads $confdir/director.conf, which you create)")
  if [ "$unitdir" = /etc/systemd/system ]; then
    # The unit has no CAP_SYS_MODULE: the kernel loads ip_vs at boot instead.
    install -d -m 0755 /etc/modules-load.d
    echo ip_vs >/etc/modules-load.d/director.conf
    did+=("installed /etc/modules-load.d/director.conf (ip_vs at boot)")
  fi
  if [ "$unitdir" = /etc/systemd/system ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    did+=("systemctl daemon-reload")
  fi
fi

echo "install.sh done:"
for d in "${did[@]}"; do echo "  - $d"; done
echo "next: copy $confdir/keepalived-master.conf (keepalived-backup.conf on the backup) to $confdir/director.conf,"
echo "      set interface (CHANGE-ME) and the addresses, check it with 'director check -f $confdir/director.conf',"
echo "      then 'systemctl enable --now director'"
