#!/bin/sh
# Fetch the stock Debian kernel (the one linux-image-amd64 currently points at), unpack it into the
# cache and index its modules. The host kernel has no IPVS; this one has it as modules.
# Prints the unpacked kernel version on stdout. Safe to rerun: a complete cache is reused.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${DIRECTOR_VM_CACHE:-$here/.cache}
mkdir -p "$cache"

# A finished unpack leaves a stamp naming the version; anything else is redone from scratch.
if [ -s "$cache/kernel-version" ]; then
    version=$(cat "$cache/kernel-version")
    if [ -f "$cache/root/boot/vmlinux-$version" ] && [ -f "$cache/root/lib/modules/$version/modules.dep" ]; then
        echo "$version"
        exit 0
    fi
fi

pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
    echo "fetch-kernel: cannot resolve the package behind linux-image-amd64 (apt-get update?)" >&2
    exit 1
fi
version=${pkg#linux-image-}

work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "$pkg" >&2)
deb=$(ls "$work"/*.deb)
rm -rf "$cache/root"
dpkg -x "$deb" "$work/root"
# Debian ships modules xz-compressed; modprobe inside the VM handles that, depmod only needs the index.
depmod -b "$work/root" "$version"
"$here/extract-vmlinux.py" "$work/root/boot/vmlinuz-$version" "$work/root/boot/vmlinux-$version"
mv "$work/root" "$cache/root"
echo "$version" > "$cache/kernel-version"
echo "$version"
