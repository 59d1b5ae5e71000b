#!/bin/sh
# PID 1 inside the VM's initramfs. Loads the packed modules, reaches the host's root over 9p, puts a
# tmpfs overlay on it so tests may write anywhere without touching the host, adds the guest kernel's
# module tree, and chroots into it.
# Kernel command line: director.run=HOST_DIR (holds cmd.sh), director.modules=HOST_PATH_OF_MODULE_TREE.
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
# The initramfs has no /dev/console node, so the kernel could not open one for us.
exec 0</dev/console 1>/dev/console 2>&1
echo  # the firmware leaves the cursor mid-line

fail() {
    echo "vm-init: $*" > /dev/console
    echo o > /proc/sysrq-trigger
    busybox poweroff -f
}

run= modules=
for arg in $(busybox cat /proc/cmdline); do
    case "$arg" in
        director.run=*) run=${arg#director.run=};;
        director.modules=*) modules=${arg#director.modules=};;
    esac
done
[ -n "$run" ] && [ -n "$modules" ] || fail "director.run= and director.modules= are required"

while read -r ko; do
    busybox insmod "/modules/$ko" || fail "insmod $ko failed"
done < /modules/order

busybox mkdir -p /mnt/host /mnt/rw /mnt/root
# The virtio device may finish probing just after insmod returns: retry briefly.
tries=0
opts=trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose
until busybox mount -t 9p -o $opts hostroot /mnt/host 2>/dev/null; do
    tries=$((tries + 1))
    if [ $tries -ge 50 ]; then
        busybox mount -t 9p -o $opts hostroot /mnt/host
        fail "cannot mount the host root over 9p"
    fi
    busybox usleep 100000
done
busybox mount -t tmpfs -o mode=755 tmpfs /mnt/rw
busybox mkdir -p /mnt/rw/upper /mnt/rw/work
busybox mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work,index=off,metacopy=off,redirect_dir=off,xino=off overlay /mnt/root \
    || fail "overlay mount failed"

r=/mnt/root
version=$(busybox uname -r)
busybox mkdir -p "$r/lib/modules/$version"
busybox mount --bind "/mnt/host$modules" "$r/lib/modules/$version" || fail "cannot bind $modules"
busybox mount -t proc proc "$r/proc"
busybox mount -t sysfs sysfs "$r/sys"
busybox mount -t devtmpfs devtmpfs "$r/dev"
busybox mkdir -p "$r/dev/pts" "$r/dev/shm"
busybox mount -t devpts devpts "$r/dev/pts"
busybox mount -t tmpfs tmpfs "$r/dev/shm"
# A fresh /run: the host's holds its sockets and pid files, which mean nothing in here. /tmp stays the
# overlay's view of the host's /tmp, because a checkout (and its build) may live there, as CI's does.
busybox mount -t tmpfs -o mode=755 tmpfs "$r/run"
busybox mkdir -p "$r/run/director-vm"
busybox cp "/mnt/host$run/cmd.sh" "$r/run/director-vm/cmd.sh" || fail "cannot read $run/cmd.sh"
busybox cp /stage2.sh "$r/run/director-vm/stage2.sh"
busybox cp /bin/busybox "$r/run/director-vm/busybox"

# chroot from PID 1 also moves the root the kernel's usermode helpers (module autoload) see.
exec busybox chroot "$r" /bin/sh /run/director-vm/stage2.sh
