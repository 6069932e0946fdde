#!/bin/sh
# A local development CA and a certificate for localhost/127.0.0.1/::1 signed by it, made once and
# reused: what `make run` and `docker compose up` serve HTTPS with when no certificate is given.
#
#     sh scripts/dev-tls.sh DIR [SHOWN_AS]    # SHOWN_AS: how to name DIR in the message (a container's
#                                             # /tls is the host's TLS_DIR)
#
# DIR holds ca.crt (trust this one: README "Trust the development CA"), ca.key (0600, never leaves
# DIR), tls.crt and tls.key (the gateway's; the names a Kubernetes TLS secret uses). Run it again and
# it changes nothing, except a certificate that expires within 30 days, or that the CA in DIR did not
# sign, which it replaces. The CA is name-constrained to localhost and loopback addresses: should its
# key leak, it cannot vouch for any other site a person who trusts it visits.
#
# POSIX sh and the openssl CLI only (OpenSSL 1.1.1+ or LibreSSL): it runs on the host and, for a
# plain `docker compose up`, in the one-shot dev-tls service on the gateway image.
set -eu

[ "$#" -ge 1 ] || { echo "usage: sh scripts/dev-tls.sh DIR [SHOWN_AS]" >&2; exit 2; }
dir=$1
shown=${2:-$1}
ca_days=3650
# Apple platforms refuse TLS server certificates valid for more than 825 days, even from a private CA.
leaf_days=397
renew_within=2592000  # seconds: 30 days

command -v openssl >/dev/null || { echo "dev-tls: openssl is needed (Debian/Ubuntu: apt-get install openssl)" >&2; exit 1; }

ca_valid() {
    [ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ] &&
        openssl x509 -in "$dir/ca.crt" -noout -checkend "$renew_within" >/dev/null 2>&1
}
leaf_valid() {
    [ -s "$dir/tls.crt" ] && [ -s "$dir/tls.key" ] &&
        openssl x509 -in "$dir/tls.crt" -noout -checkend "$renew_within" >/dev/null 2>&1 &&
        openssl verify -CAfile "$dir/ca.crt" "$dir/tls.crt" >/dev/null 2>&1
}
report() {
    echo "dev-tls: $1; trust the development CA to use HTTPS without warnings: $shown/ca.crt" >&2
}

# The usual case, and the only one that writes nothing: a valid pair is there already.
if ca_valid && leaf_valid; then
    report "the certificate in $shown is valid"
    exit 0
fi

if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    chmod 755 "$dir"  # the gateway (uid 101 in its container) reads tls.crt and tls.key through it
fi

# One generator at a time: make run, the tests and a compose job may start together.
lock=$dir/.lock
waited=0
until mkdir "$lock" 2>/dev/null; do
    waited=$((waited + 1))
    if [ "$waited" -gt 60 ]; then  # 30 s: a generator that died left it behind
        rmdir "$lock" 2>/dev/null || true
        waited=0
    fi
    sleep 0.5
done
work=$(mktemp -d "$dir/.work.XXXXXX")
trap 'rm -rf "$work"; rmdir "$lock" 2>/dev/null || true' EXIT
trap 'exit 1' INT TERM HUP

made=
if ! ca_valid; then
    cat >"$work/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = ca
[dn]
O = Flask microservices shop (development)
CN = Shop development CA
[ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;DNS:localhost, permitted;IP:127.0.0.0/255.0.0.0, permitted;IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF
EOF
    (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key")
    openssl req -new -x509 -sha256 -days "$ca_days" -key "$work/ca.key" -config "$work/ca.cnf" \
        -out "$work/ca.crt"
    mv "$work/ca.key" "$dir/ca.key"
    mv "$work/ca.crt" "$dir/ca.crt"
    rm -f "$dir/tls.crt"  # signed by the CA just replaced
    made="a new development CA and "
fi

if ! leaf_valid; then
    cat >"$work/leaf.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
EOF
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/tls.key"
    openssl req -new -sha256 -key "$work/tls.key" -config "$work/leaf.cnf" -out "$work/tls.csr"
    openssl x509 -req -sha256 -days "$leaf_days" -in "$work/tls.csr" -CA "$dir/ca.crt" \
        -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
        -extfile "$work/leaf.cnf" -extensions leaf -out "$work/tls.crt" 2>/dev/null
    # Readable by the gateway's own user in a container. It only ever vouches for this machine's
    # loopback names, to browsers that trust ca.crt.
    chmod 644 "$work/tls.key" "$work/tls.crt"
    mv "$work/tls.key" "$dir/tls.key"
    mv "$work/tls.crt" "$dir/tls.crt"
    made="${made:-a }new localhost certificate "
fi

# A compose job writes as root into a directory a person may own: give the files back.
owner=$(ls -nd "$dir" | awk '{print $3":"$4}')
if [ "$(id -u)" = 0 ] && [ "$owner" != 0:0 ]; then
    chown "$owner" "$dir/ca.crt" "$dir/ca.key" "$dir/tls.crt" "$dir/tls.key"
fi

report "${made:+made $made}in $shown"
