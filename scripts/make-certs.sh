#!/usr/bin/env bash
# Makes the certificates for Vigil's mutual TLS with openssl:
#   OUT_DIR/ca.crt, ca.key                 the certificate authority (made once, then reused)
#   OUT_DIR/coordinator.crt, .key          the coordinator's server certificate
#   OUT_DIR/agents/<host-id>.crt, .key     one client certificate per agent, naming its host id
# See docs/tls.md for deployment and for what the coordinator checks.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: make-certs.sh [options] OUT_DIR [HOST_ID...]

Creates OUT_DIR/ca.{crt,key} if missing, OUT_DIR/coordinator.{crt,key} if missing (or
again when --server-san is given), and OUT_DIR/agents/<HOST_ID>.{crt,key} for each host id
(replacing an existing one).

options:
  --server-san LIST  subjectAltName of the coordinator certificate
                     (default DNS:localhost,IP:127.0.0.1), e.g. DNS:vigil.example.com,IP:10.0.0.5
  --server-cn NAME   common name of the coordinator certificate (default vigil-coordinator)
  --days N           validity of server and agent certificates in days (default 825)
  --ca-days N        validity of a new CA in days (default 3650)
  -h, --help         this text
USAGE
}

server_san=""
server_cn="vigil-coordinator"
days=825
ca_days=3650
positional=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server-san) server_san="${2:?--server-san needs a value}"; shift 2 ;;
    --server-san=*) server_san="${1#*=}"; shift ;;
    --server-cn) server_cn="${2:?--server-cn needs a value}"; shift 2 ;;
    --server-cn=*) server_cn="${1#*=}"; shift ;;
    --days) days="${2:?--days needs a value}"; shift 2 ;;
    --days=*) days="${1#*=}"; shift ;;
    --ca-days) ca_days="${2:?--ca-days needs a value}"; shift 2 ;;
    --ca-days=*) ca_days="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) echo "make-certs.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done

if [[ ${#positional[@]} -lt 1 ]]; then usage >&2; exit 2; fi
out="${positional[0]}"
hosts=("${positional[@]:1}")

command -v openssl >/dev/null || { echo "make-certs.sh: openssl is not installed (apt-get install -y openssl)" >&2; exit 1; }
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs.sh: --days must be a positive number, got \"$days\"" >&2; exit 2; }
[[ "$ca_days" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs.sh: --ca-days must be a positive number, got \"$ca_days\"" >&2; exit 2; }

san_re='^(DNS:[A-Za-z0-9*.-]+|IP:[0-9A-Fa-f:.]+)(,(DNS:[A-Za-z0-9*.-]+|IP:[0-9A-Fa-f:.]+))*$'
if [[ -n "$server_san" && ! "$server_san" =~ $san_re ]]; then
  echo "make-certs.sh: --server-san \"$server_san\" is not a list like DNS:name,IP:address" >&2; exit 2
fi
[[ "$server_cn" =~ ^[A-Za-z0-9][A-Za-z0-9\ ._-]*$ ]] || { echo "make-certs.sh: --server-cn \"$server_cn\" has characters other than letters, digits, space, . _ -" >&2; exit 2; }

# Host ids are hostnames (RFC 1123), compared in lower case; the same rule as the agent's.
label='[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
host_re="^${label}(\\.${label})*\$"
for h in "${hosts[@]}"; do
  if [[ ! "$h" =~ $host_re || ${#h} -gt 253 ]]; then
    echo "make-certs.sh: host id \"$h\" is not a lower-case hostname (letters, digits, inner hyphens, dots)" >&2; exit 2
  fi
done

mkdir -p "$out/agents"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

serial() { echo "0x$(openssl rand -hex 16)"; }

# Makes KEY (P-256) and a certificate signed by the CA with the given subject and extensions.
issue() { # name key crt subject extensions
  local name="$1" key="$2" crt="$3" subject="$4" ext="$5"
  printf '%s\n' "$ext" >"$work/$name.ext"
  (umask 077 && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$key.tmp" -subj "$subject" -out "$work/$name.csr" 2>/dev/null)
  openssl x509 -req -in "$work/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -set_serial "$(serial)" -days "$days" -sha256 -extfile "$work/$name.ext" -out "$crt.tmp" 2>/dev/null
  openssl verify -CAfile "$out/ca.crt" "$crt.tmp" >/dev/null
  mv "$key.tmp" "$key"
  mv "$crt.tmp" "$crt"
  chmod 600 "$key"
  chmod 644 "$crt"
}

if [[ ! -s "$out/ca.crt" || ! -s "$out/ca.key" ]]; then
  (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$out/ca.key" -out "$out/ca.crt" -subj "/CN=Vigil CA" -days "$ca_days" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null)
  chmod 600 "$out/ca.key"
  chmod 644 "$out/ca.crt"
  echo "made CA            $out/ca.crt"
fi

if [[ -n "$server_san" || ! -s "$out/coordinator.crt" || ! -s "$out/coordinator.key" ]]; then
  san="${server_san:-DNS:localhost,IP:127.0.0.1}"
  issue coordinator "$out/coordinator.key" "$out/coordinator.crt" "/CN=$server_cn" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer"
  echo "made coordinator   $out/coordinator.crt ($san)"
fi

for h in "${hosts[@]}"; do
  issue "agent-$h" "$out/agents/$h.key" "$out/agents/$h.crt" "/CN=$h" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=DNS:$h
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer"
  echo "made agent         $out/agents/$h.crt (DNS:$h)"
done
