#!/bin/sh
# HTTP= readiness over TLS, against a real TLS server (python3's http.server wrapped in
# ssl, with a self-signed certificate made here by openssl): verification is on by
# default, so the start must time out naming the certificate problem; HTTPInsecure=yes
# must make the same start succeed. Exits 77 (skip) without openssl or python3.
#   UNITRUN=path/to/unitrun test-https.sh
set -u
command -v openssl >/dev/null || { echo "skip: no openssl" >&2; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }

T=$(mktemp -d /tmp/urhttps.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$T/err" >&2 2>/dev/null; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/server.py" <<EOS
import http.server, ssl
server = http.server.HTTPServer(("127.0.0.1", $port), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("$T/cert.pem", "$T/key.pem")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
EOS

# Verified by default: a self-signed certificate is not ready, however long it answers.
"$UNITRUN" run -q --exec "python3 $T/server.py" --ready-http "https://127.0.0.1:$port/" --timeout 2s \
        -- touch "$T/ran" 2>"$T/err"
status=$?
[ "$status" = 69 ] || fail "expected 69 with certificate verification, got $status"
[ ! -e "$T/ran" ] || fail "COMMAND ran although the unit was not ready"
grep -qi "certificate\|SSL" "$T/err" || fail "the timeout message does not name the TLS problem"

# HTTPInsecure=yes: the same server is ready.
"$UNITRUN" run -q --exec "python3 $T/server.py" --ready-http "https://127.0.0.1:$port/" --timeout 10s \
        -p HTTPInsecure=yes -- touch "$T/ran" 2>"$T/err"
status=$?
[ "$status" = 0 ] || fail "expected 0 with HTTPInsecure=yes, got $status"
[ -e "$T/ran" ] || fail "COMMAND did not run"
echo "ok: https verified by default, HTTPInsecure=yes accepted"
