#!/bin/sh
# build-initramfs.sh KERNEL_ROOT VERSION OUTPUT
# Packs busybox-static, vm-init.sh (as /init), vm-stage2.sh and the modules of vm-modules.txt (with
# their dependencies, in load order) into a gzip'd newc cpio. Loading them from RAM is quicker than
# reading them over 9p under emulation; anything else autoloads later from the bind-mounted tree.
set -eu

kroot=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
moddir=$kroot/lib/modules/$version
busybox=$(command -v busybox)
# ldd fails on a static binary; a dynamic busybox would find no libraries in the initramfs.
if ldd "$busybox" > /dev/null 2>&1; then
    echo "build-initramfs: $busybox is dynamically linked; install busybox-static" >&2
    exit 1
fi

stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/modules" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/mnt"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$here/vm-init.sh" "$stage/init"
cp "$here/vm-stage2.sh" "$stage/stage2.sh"
chmod 755 "$stage/init" "$stage/stage2.sh"

# Dependency-first load order from modules.dep; each module is listed once.
listed=" "
add_module() {
    local line path deps dep name
    line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n1)
    if [ -z "$line" ]; then
        if grep -qE "/$1\.ko" "$moddir/modules.builtin"; then return 0; fi
        echo "build-initramfs: module $1 not found for $version" >&2
        exit 1
    fi
    path=${line%%:*}
    deps=${line#*:}
    for dep in $deps; do
        name=$(basename "$dep"); name=${name%%.ko*}
        add_module "$name"
    done
    name=$(basename "$path"); name=${name%%.ko*}
    case "$listed" in *" $name "*) return 0;; esac
    listed="$listed$name "
    cp "$moddir/$path" "$stage/modules/"
    echo "$(basename "$path")" >> "$stage/modules/order"
}
for m in $(sed 's/#.*//' "$here/vm-modules.txt"); do add_module "$m"; done

tmp=$(mktemp "${out}.XXXXXX")
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
