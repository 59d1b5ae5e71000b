#!/bin/sh
# realserver.sh [start|stop|status] [VIP]  — run on every apiserver behind an LVS-DR director.
# start (the default, as `bash realserver.sh` is usually run): VIP/32 on lo, arp_ignore=1, arp_announce=2.
# stop: remove the VIP, put the ARP sysctls back as they were before start. status: exit 0 when in place.
# Environment: VIP (default 10.120.100.100), DEV (default lo), DIRECTOR (the director binary),
# STATE_DIR (default /run/director).
set -eu

action=${1:-start}
vip=${2:-${VIP:-10.120.100.100}}
dev=${DEV:-lo}
director=${DIRECTOR:-director}
state_dir=${STATE_DIR:-/run/director}

case "$action" in
    start) sub=up;;
    stop) sub=down;;
    status) sub=status;;
    *) echo "usage: $0 [start|stop|status] [VIP]" >&2; exit 2;;
esac
exec "$director" realserver "$sub" --vip "$vip" --dev "$dev" --state-dir "$state_dir"
