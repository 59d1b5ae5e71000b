#!/bin/bash
# run-in-vm.sh [--timeout SEC] [--mem MB] [--smp N] [--env NAME[=VALUE]]... [--cwd DIR] -- CMD ARGS...
# Boots the stock Debian kernel under qemu (TCG) with this machine's root mounted read-only under a tmpfs
# overlay, runs CMD ARGS in DIR (default: the current directory) as root, streams the serial console to
# stdout and exits with CMD's status; 124 on timeout, 125 when the VM died without reporting a status.
# Variables named DIRECTOR_* and CARE_* plus every --env NAME are passed through into the VM.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${DIRECTOR_VM_CACHE:-$here/.cache}
timeout=600 mem=2048 smp=2 cwd=$PWD
extra_env=()

usage() { sed -n '2,6s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --timeout) timeout=${2:?--timeout needs seconds}; shift 2;;
        --mem) mem=${2:?--mem needs MB}; shift 2;;
        --smp) smp=${2:?--smp needs a count}; shift 2;;
        --env) extra_env+=("${2:?--env needs NAME[=VALUE]}"); shift 2;;
        --cwd) cwd=${2:?--cwd needs a directory}; shift 2;;
        --) shift; break;;
        -h|--help) usage;;
        *) echo "run-in-vm: unknown option $1" >&2; usage;;
    esac
done
[ $# -gt 0 ] || { echo "run-in-vm: no command given after --" >&2; usage; }
[[ $timeout =~ ^[0-9]+$ ]] || { echo "run-in-vm: --timeout must be whole seconds" >&2; exit 2; }
[[ $mem =~ ^[0-9]+$ ]] || { echo "run-in-vm: --mem must be MB" >&2; exit 2; }

# Kernel and initramfs are shared by every build directory; the lock keeps parallel runs from racing.
mkdir -p "$cache"
exec 9> "$cache/lock"
flock 9
version=$("$here/fetch-kernel.sh")
kroot=$cache/root
initrd=$cache/initramfs-$version.cpio.gz
if [ ! -s "$initrd" ] || [ "$initrd" -ot "$here/vm-init.sh" ] || [ "$initrd" -ot "$here/vm-stage2.sh" ] \
        || [ "$initrd" -ot "$here/build-initramfs.sh" ] || [ "$initrd" -ot "$here/vm-modules.txt" ]; then
    "$here/build-initramfs.sh" "$kroot" "$version" "$initrd"
fi
flock -u 9

# The VM sees this machine's /tmp through 9p; the command travels as a script there.
run=$(mktemp -d /tmp/director-vm.XXXXXX)
chmod 755 "$run"
qemu_pid=
cleanup() {
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
    echo "cd $(printf '%q' "$cwd") || exit 126"
    while IFS='=' read -r name _; do
        case "$name" in DIRECTOR_*|CARE_*) echo "export $name=$(printf '%q' "${!name}")";; esac
    done < <(env)
    for spec in "${extra_env[@]}"; do
        name=${spec%%=*}
        if [[ $spec == *=* ]]; then value=${spec#*=}; else value=${!name-}; fi
        echo "export $name=$(printf '%q' "$value")"
    done
    printf '%q ' "$@"
    echo
} > "$run/cmd.sh"

nonce=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
log=$run/console.log
# boot: one run of the VM; sets qemu_rc. qemu itself has been seen to die of SIGSEGV under software
# emulation a few seconds into a boot (an emulator fault, never the guest's: a guest panic makes qemu exit
# normally with -no-reboot), so a qemu killed by a signal before the command reported is booted once more.
boot() {
# Created before qemu starts, so the streaming tail below never races the redirection.
: > "$log"
start=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" -nographic -no-reboot -nic none \
    -kernel "$kroot/boot/vmlinux-$version" -initrd "$initrd" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -append "console=ttyS0 quiet panic=-1 director.run=$run director.modules=$kroot/lib/modules/$version director.nonce=$nonce" \
    < /dev/null >> "$log" 2>&1 &
qemu_pid=$!
# Stream the console as it comes, minus the firmware's terminal escapes; tail ends once qemu is gone.
tail -n +1 -f --pid="$qemu_pid" "$log" | sed -u 's/\r$//; s/\x1bc//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g' &
stream_pid=$!

deadline=$(( $(date +%s) + timeout ))
while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null || true
        qemu_pid=
        wait "$stream_pid" || true
        echo "run-in-vm: timed out after ${timeout}s" >&2
        exit 124
    fi
    sleep 0.2
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
end=$(date +%s.%N)
wait "$stream_pid" || true
}

boot
if [ "$qemu_rc" -ge 128 ] && ! grep -q "DIRECTOR-VM-EXIT $nonce" "$log"; then
    echo "run-in-vm: qemu died of signal $((qemu_rc - 128)) before the command reported; booting once more" >&2
    boot
fi

# Unanchored: output without a final newline, or a kernel message, may share the marker's line.
status=$(tr -d '\r' < "$log" | sed -n "s/.*DIRECTOR-VM-EXIT $nonce \([0-9][0-9]*\).*/\1/p" | tail -n1)
awk -v s="$start" -v e="$end" 'BEGIN { printf "run-in-vm: VM ran %.1fs\n", e - s }' >&2
if [ -z "$status" ]; then
    echo "run-in-vm: the VM stopped without reporting the command's exit status" >&2
    exit 125
fi
exit "$status"
