#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A throw-away PKI for the NCM's wss:// tests (docs/mams.md, WebSocket server):
#
#   make_test_pki.sh DIR
#
# writes into DIR (which must exist), all PEM, EC P-256, valid 2 days:
#   ca.pem ca.key          the test CA
#   server.pem server.key  server cert for 127.0.0.1 and localhost, signed by the CA
#   client.pem client.key  client cert (CN=ccm-test), signed by the CA
#   rogue.pem rogue.key    self-signed client cert (not from the CA)
# $OPENSSL overrides the openssl binary (default /usr/bin/openssl).
set -eu

dir=${1:?usage: make_test_pki.sh DIR}
ssl=${OPENSSL:-/usr/bin/openssl}
cd "$dir"

ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# shellcheck disable=SC2086  # $ec is several words on purpose
"$ssl" req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=mamsgw-test-ca \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null

# name, subject, extensions
leaf() {
	# shellcheck disable=SC2086
	"$ssl" req $ec -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
	printf '%s\n' "$3" > "$1.ext"
	"$ssl" x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

leaf server /CN=localhost "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"

leaf client /CN=ccm-test "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

# shellcheck disable=SC2086
"$ssl" req -x509 $ec -keyout rogue.key -out rogue.pem -days 2 -subj /CN=ccm-rogue \
	-addext extendedKeyUsage=clientAuth 2>/dev/null
rm -f ca.srl
