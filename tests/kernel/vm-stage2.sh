#!/bin/sh
# Runs as PID 1 inside the chroot (the host's root under a tmpfs overlay): runs the command written by
# run-in-vm.sh and reports its exit status on the console, then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
bb=/run/director-vm/busybox

ip link set lo up
hostname director-vm 2>/dev/null

nonce=
for arg in $(cat /proc/cmdline); do
    case "$arg" in director.nonce=*) nonce=${arg#director.nonce=};; esac
done

# The command runs as a child so PID 1 stays here to report and power off.
/bin/bash /run/director-vm/cmd.sh < /dev/null
status=$?
echo "DIRECTOR-VM-EXIT $nonce $status" > /dev/console
sync
echo o > /proc/sysrq-trigger
$bb poweroff -f
