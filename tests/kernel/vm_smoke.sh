#!/bin/sh
# Runs inside the VM: proves the harness gives tests what they rely on — IPVS in the kernel and usable
# through ipvsadm, dummy interfaces, autoloading of modules not packed in the initramfs, a writable root,
# and the director binary of the build directory that registered this test.
set -eu

fail() { echo "vm_smoke: FAIL: $*"; exit 1; }

[ -e /proc/net/ip_vs ] || fail "/proc/net/ip_vs missing: ip_vs not loaded"
ipvsadm -Ln > /tmp/ipvs.txt || fail "ipvsadm -Ln failed"
grep -q '^IP Virtual Server version' /tmp/ipvs.txt || fail "unexpected ipvsadm output: $(cat /tmp/ipvs.txt)"

# A service round-trips through the kernel (and leaves the table as it was).
ipvsadm -A -t 198.18.0.1:80 -s wrr || fail "ipvsadm -A failed"
ipvsadm -a -t 198.18.0.1:80 -r 198.18.0.2:80 -m -w 3 || fail "ipvsadm -a failed"
ipvsadm -Ln -t 198.18.0.1:80 | grep -q '198.18.0.2:80 *Masq *3' || fail "real server not listed"
ipvsadm -D -t 198.18.0.1:80

ip link add smoke0 type dummy || fail "cannot create a dummy interface"
ip addr add 198.18.0.1/32 dev smoke0
ip -o addr show dev smoke0 | grep -q '198.18.0.1/32' || fail "address on dummy missing"
ip link del smoke0

ip netns add smoke || fail "cannot create a network namespace"
ip netns exec smoke ip link set lo up
ip netns del smoke

# nf_tables via the iptables front end Debian ships.
iptables -t nat -N SMOKE-CHAIN || fail "iptables (nf_tables backend) unusable"
iptables -t nat -X SMOKE-CHAIN
ipset create smoke-set hash:ip,port || fail "ipset unusable"
ipset destroy smoke-set

# Modules outside the initramfs load from the bind-mounted tree of the guest kernel.
[ -d "/lib/modules/$(uname -r)/kernel" ] || fail "guest module tree not mounted"
modprobe nlmon || fail "modprobe from the guest module tree failed"
[ -d /sys/module/nlmon ] || fail "nlmon not loaded after modprobe"
# The kernel's own module requests (here rtnl-link-vxlan) reach modprobe in the chroot too.
ip link add smokevx type vxlan id 42 dstport 4789 || fail "vxlan did not autoload"
ip link del smokevx

touch /usr/vm-smoke-writable || fail "root overlay not writable"

[ -n "${DIRECTOR_BIN:-}" ] || fail "DIRECTOR_BIN not passed into the VM"
[ -x "$DIRECTOR_BIN" ] || fail "$DIRECTOR_BIN missing or not executable"
"$DIRECTOR_BIN" --version > /dev/null 2>&1 || "$DIRECTOR_BIN" --help > /dev/null || fail "$DIRECTOR_BIN does not run"

echo "vm_smoke: kernel $(uname -r), all checks passed"
