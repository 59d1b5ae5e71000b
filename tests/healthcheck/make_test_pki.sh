#!/bin/sh
# Creates a throw-away PKI for TLS health-check tests in DIR:
#   ca.crt/ca.key          test CA
#   server.crt/.key        signed by ca, SANs IP:127.0.0.1, 198.18.0.1-.20, the test VIP 198.18.1.100, DNS:api.test
#   other-ca.crt           a second, unrelated CA; other-server.crt/.key signed by it (same SANs)
#   wrongip-server.crt/.key signed by ca, SAN IP:127.0.0.2 and DNS:elsewhere.test only
#   client.crt/.key        client certificate signed by ca
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
ca() {
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.crt" -subj "/CN=$1" -days 3 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() {  # name ca san eku
    key "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$3" "$4" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" -days 3 \
        -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
sans="IP:127.0.0.1,IP:198.18.1.100,DNS:api.test"
i=1
while [ $i -le 20 ]; do sans="$sans,IP:198.18.0.$i"; i=$((i + 1)); done
ca ca
ca other-ca
leaf server ca "$sans" serverAuth
leaf other-server other-ca "$sans" serverAuth
leaf wrongip-server ca "IP:127.0.0.2,DNS:elsewhere.test" serverAuth
leaf client ca "DNS:client.test" clientAuth
