#!/bin/sh
# Health check for a kube-apiserver behind the VRRP VIP: succeeds when the local apiserver
# answers on 6443 and, while this node holds the VIP, the apiserver answers through the VIP too.
# Any HTTP answer counts (401/403 included): the question is "is something serving TLS on 6443".
# Used by conf/keepalived-*.conf as `vrrp_script chk_apiserver`; works unchanged under keepalived.
VIP="${APISERVER_VIP:-10.120.100.100}"
PORT="${APISERVER_PORT:-6443}"

fail() {
    echo "check_apiserver: $*" >&2
    exit 1
}

probe() {
    curl --silent --insecure --max-time 2 --output /dev/null "https://$1:$PORT/healthz"
}

probe 127.0.0.1 || fail "local apiserver https://127.0.0.1:$PORT/ is not answering"
if ip -4 -o addr show | grep -q " $VIP/"; then
    probe "$VIP" || fail "apiserver via VIP https://$VIP:$PORT/ is not answering"
fi
exit 0
