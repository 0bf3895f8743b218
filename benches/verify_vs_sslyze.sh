#!/usr/bin/env bash
# verify beside sslyze (issue #11, "Done when", benchmarks; results in docs/benchmarks.md).
#
#   benches/verify_vs_sslyze.sh XSPCTL XSPSIM [ROUNDS] [HOSTS]   (defaults: 5 rounds, 100 hosts)
#
# Needs sslyze on PATH, openssl and python3. Only loopback addresses are used; every
# wait is bounded in count and time, every run is bounded by `timeout`.
#
# Part 1, one host (127.83.0.1, XSP R24, `xspsim serve`): a test PKI (openssl: a
# Webex-like root and issuing CA and the client bwcticlient.webex.com; a server CA and
# the host's certificate, SAN its FQDN and address), a playbook (`xspsim serve`'s
# starter, with TLS 1.2 + 1.3 on HTTPS, `cti_mtls`, `certificates`, `patches`, `fqdn`,
# and `verify.client_certificate`, `server_ca`, `dns.resolvers`, `reach.outbound`),
# applied with a restart.
# Then, ROUNDS times, interleaved: `xspctl verify -f PB --host xsp1 --format json`,
# sslyze's default full scan of the CTI endpoint (with the Webex-like client
# certificate, which it requires) and of the HTTPS endpoint. Prints wall times
# (median, min, max) and the load average of each run, and compares the accepted
# protocols and suites of xspctl's JSON report (`enumeration`) with sslyze's
# `--json_out` per endpoint: a difference is printed and fails the script (exit 1).
#
# Part 2, HOSTS hosts (127.84.0.x, XSP R24, two endpoints each), the same playbook
# shape, applied: ROUNDS runs of `xspctl verify -f PB` (every host, default
# `--parallel`), each with its wall time, xspctl's and xspsim's CPU, peak RSS and the
# load average.
set -euo pipefail

XSPCTL=$(realpath "$1")
XSPSIM=$(realpath "$2")
ROUNDS=${3:-5}
HOSTS=${4:-100}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "ROUNDS: 1 to 20" >&2; exit 1; }
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 200 ] || { echo "HOSTS: 1 to 200" >&2; exit 1; }
command -v sslyze >/dev/null || { echo "sslyze is not on PATH" >&2; exit 1; }
WORK=$(mktemp -d /tmp/xspctl-verify-vs-sslyze.XXXXXX)
FAILED=0
# stop_server, serve DIR N RELEASE BASE, server_cpu; WORK removed on exit.
source "$(dirname "$0")/lib.sh"

# A CA certificate NAME.pem/NAME.key with common name CN, self-signed, or issued by
# ISSUER when given.
ca() {
    local name=$1 cn=$2 issuer=${3:-}
    if [ -z "$issuer" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.pem" \
            -days 365 -subj "/O=xspctl bench/CN=$cn" \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    else
        leaf "$name" "$cn" "$issuer" "$name.key" \
            basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign,cRLSign
    fi
}

# A certificate NAME.pem for CN, issued by ISSUER, for the key KEY (created when
# absent), with the extensions EXT... (one per argument).
leaf() {
    local name=$1 cn=$2 issuer=$3 key=$4
    shift 4
    [ -s "$key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
    openssl req -new -key "$key" -out "$name.csr" -subj "/O=xspctl bench/CN=$cn" 2>/dev/null
    printf '%s\n' "$@" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
        -CAcreateserial -days 200 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}

# The test PKI in DIR: CombinedCertChain.txt (the Webex-like issuing CA, then its
# root), client-chain.pem + client.key (bwcticlient.webex.com), server-ca.pem, and the
# key server.key every host's certificate shares.
pki() {
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir"
        ca webex-root "Bench Webex-like Root CA"
        ca webex-issuing "Bench Webex-like Issuing CA" webex-root
        leaf client bwcticlient.webex.com webex-issuing client.key basicConstraints=CA:FALSE \
            keyUsage=critical,digitalSignature,keyEncipherment extendedKeyUsage=clientAuth
        cat webex-issuing.pem webex-root.pem >CombinedCertChain.txt
        cat client.pem webex-issuing.pem >client-chain.pem
        ca server-ca "Bench Server CA"
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key 2>/dev/null
    )
}

# A certificate PKI/NAME.pem for each host of LAB/hosts.json, SAN its FQDN and address.
host_certificates() {
    local lab=$1 pki=$2
    python3 -c 'import json,sys
for h in json.load(open(sys.argv[1]))["hosts"]:
    print(h["name"], h["fqdn"], h["address"])' "$lab/hosts.json" |
        while read -r name fqdn address; do
            (cd "$pki" && leaf "$name" "$fqdn" server-ca server.key basicConstraints=CA:FALSE \
                keyUsage=critical,digitalSignature,keyEncipherment extendedKeyUsage=serverAuth \
                "subjectAltName=DNS:$fqdn,IP:$address")
        done
}

# LAB/playbook.yaml (the starter `xspsim serve` wrote) made the bench's: TLS 1.2 + 1.3
# on HTTPS (4 suites) and TLS 1.2 on CTI (2 suites), cti_mtls with the Webex-like
# anchors, patches, each host's certificates and FQDN, and the verify section; written
# to LAB/bench.yaml.
playbook() {
    local lab=$1 pki=$2
    python3 - "$lab" "$pki" <<'EOF'
import json, sys
lab, pki = sys.argv[1], sys.argv[2]
hosts = json.load(open(f"{lab}/hosts.json"))
text = open(f"{lab}/playbook.yaml").read()
verify = (f"verify:\n  client_certificate:\n    certificate: {pki}/client-chain.pem\n"
          f"    key: file:{pki}/client.key\n  server_ca: {pki}/server-ca.pem\n"
          f"  dns:\n    resolvers: [\"{hosts['dns']}\"]\n"
          # Outbound from each host (`nc -z` on it): the lab's DNS server, over TCP.
          f"  reach:\n    outbound: [\"{hosts['dns']}\"]\n")
tls_start = text.index("      tls:\n")
tls_end = text.index("      xsi_events:")
tls = """      tls:
        http:
          level: interface
          protocols: [TLSv1.2, TLSv1.3]
          ciphers: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        cti:
          level: interface
          protocols: [TLSv1.2]
          ciphers: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
"""
text = text[:tls_start] + tls + text[tls_end:]
text = text.replace("version: 1\n", "version: 1\n" + verify, 1)
text = text.replace("      allow_client_app: true\n",
    f"      allow_client_app: true\n      cti_mtls:\n        trust_anchors: {pki}/CombinedCertChain.txt\n"
    "      patches: {}\n", 1)
lines = text.split("\n")
for h in hosts["hosts"]:
    # The host's entry: its name line, then its address and connection lines.
    at = [i + 2 for i, l in enumerate(lines) if l.strip() == f"- name: \"{h['name']}\""]
    assert len(at) == 1 and lines[at[0]].strip().startswith("connection:"), h["name"]
    ip, fqdn, port, cert = h["address"], h["fqdn"], h["https_port"], f"{pki}/{h['name']}.pem"
    files = f'key: "file:{pki}/server.key", certificate: {cert}, chain: {pki}/server-ca.pem'
    lines[at[0]] += (f"\n        fqdn: {fqdn}\n        webex:\n          certificates:\n"
        f"            http: {{ ip: {ip}, port: {port}, fqdn: {fqdn}, {files} }}\n"
        f"            cti: {{ ip: {ip}, fqdn: {fqdn}, {files} }}")
open(f"{lab}/bench.yaml", "w").write("\n".join(lines))
EOF
}

# Applies LAB/bench.yaml with a rolling restart (setup, not timed); exits on failure.
apply() {
    local lab=$1
    if ! timeout 900 "$XSPCTL" --color never --state-dir "$lab.state" apply -f "$lab/bench.yaml" \
        --yes --restart rolling >"$lab.apply.out" 2>&1; then
        echo "apply failed:" >&2
        tail -n 30 "$lab.apply.out" >&2
        exit 1
    fi
}

# The 1-minute load average now.
load() { cut -d' ' -f1 /proc/loadavg; }

# Runs CMD... under /usr/bin/time (bounded by 300 s); sets WALL, CPU (user+sys),
# RSS_MIB, CODE and LOAD (the load average as it started).
timed() {
    local out=$1
    shift
    LOAD=$(load)
    CODE=0
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" timeout 300 "$@" >"$out" 2>&1 || CODE=$?
    read -r WALL kib user sys < <(tail -n 1 "$WORK/time")
    CPU=$(echo "$user + $sys" | bc -l)
    RSS_MIB=$(echo "$kib / 1024" | bc -l)
}

# "median min max" of the numbers given.
stats() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}

# Compares the accepted protocols and suites of xspctl's JSON report REPORT for the
# endpoint KIND ADDRESS:PORT with sslyze's JSON SSLYZE; prints them, and a difference.
# Exit 1 on a difference or on a suite scan sslyze did not complete.
compare() {
    python3 - "$@" <<'EOF'
import json, sys
report, kind, address, port, sslyze = sys.argv[1:6]
subject = f"{kind} {address}:{port} suites"
found = [c for h in json.load(open(report))["hosts"] for c in h["checks"]
         if c["id"] == "tls.suite-enumeration" and c["subject"] == subject]
if len(found) != 1:
    sys.exit(f"{subject}: xspctl's report has {len(found)} enumerations")
ours = {p["protocol"]: sorted(p["accepted"]) for p in found[0]["enumeration"]["protocols"]
        if p["status"] != "error"}
errors = [p["protocol"] for p in found[0]["enumeration"]["protocols"] if p["status"] == "error"]
scan = json.load(open(sslyze))["server_scan_results"][0]
if scan["scan_status"] != "COMPLETED":
    sys.exit(f"{subject}: sslyze's scan: {scan['scan_status']} {scan.get('connectivity_error_trace')}")
result = scan["scan_result"]
differ = bool(errors)
if errors:
    print(f"  {kind}: xspctl's enumeration ended in an error for {errors}")
for key, name in [("ssl_2_0_cipher_suites", "SSLv2"), ("ssl_3_0_cipher_suites", "SSLv3"),
                  ("tls_1_0_cipher_suites", "TLSv1"), ("tls_1_1_cipher_suites", "TLSv1.1"),
                  ("tls_1_2_cipher_suites", "TLSv1.2"), ("tls_1_3_cipher_suites", "TLSv1.3")]:
    r = result[key]
    if r["status"] != "COMPLETED":
        why = (r.get("error_trace") or "").strip().splitlines()[-1:] or [r["status"]]
        if name == "SSLv2":
            # xspctl does not offer SSLv2 (its enumeration starts at SSLv3).
            print(f"  {kind} {name}: sslyze's scan did not complete ({why[0]}); xspctl does not offer SSLv2")
            continue
        print(f"  {kind} {name}: sslyze's scan did not complete: {why[0]}")
        differ = True
        continue
    theirs = sorted(s["cipher_suite"]["name"] for s in r["result"]["accepted_cipher_suites"])
    if name == "SSLv2":
        print(f"  {kind} {name}: sslyze {theirs or 'refused'}; xspctl does not offer SSLv2")
        differ |= bool(theirs)
        continue
    mine = ours.get(name)
    same = mine == theirs
    differ |= not same
    print(f"  {kind} {name}: {'same' if same else 'DIFFERENT'}: xspctl {mine or 'refused'}, sslyze {theirs or 'refused'}")
sys.exit(1 if differ else 0)
EOF
}

echo "# xspctl $("$XSPCTL" --version 2>/dev/null || true); sslyze $(sslyze --help | sed -n 's/^SSLyze version //p'); $(nproc) cores; $(date -u +%FT%TZ)"

# ---- Part 1: one host, verify beside sslyze ----
pki "$WORK/pki"
serve "$WORK/one" 1 R24 127.83.0.1
host_certificates "$WORK/one" "$WORK/pki"
playbook "$WORK/one" "$WORK/pki"
apply "$WORK/one"
read -r address https_port < <(python3 -c 'import json,sys
h = json.load(open(sys.argv[1]))["hosts"][0]; print(h["address"], h["https_port"])' "$WORK/one/hosts.json")
cti_port=8012 # cti_mtls's secure port (guide B §5.9)
echo
echo "## One host: xsp1 (HTTPS $address:$https_port, CTI $address:$cti_port with mTLS)"
echo
echo "| round | xspctl verify --host xsp1 s (exit, load) | sslyze CTI s (exit, load) | sslyze HTTPS s (exit, load) |"
echo "|---|---|---|---|"
ours=() cti=() https=()
for round in $(seq 1 "$ROUNDS"); do
    timed "$WORK/verify-$round.out" "$XSPCTL" --color never --state-dir "$WORK/one.state" \
        verify -f "$WORK/one/bench.yaml" --host xsp1 --format json --out "$WORK/verify-$round.json"
    ours+=("$WALL")
    row="| $round | $WALL ($CODE, $LOAD)"
    if [ "$CODE" != 0 ]; then
        echo "verify exited $CODE (a full verify of the applied host passes):" >&2
        tail -n 30 "$WORK/verify-$round.out" >&2
        FAILED=1
    fi
    timed "$WORK/sslyze-cti-$round.out" sslyze --cert "$WORK/pki/client-chain.pem" \
        --key "$WORK/pki/client.key" --json_out "$WORK/sslyze-cti-$round.json" "$address:$cti_port"
    cti+=("$WALL")
    row="$row | $WALL ($CODE, $LOAD)"
    timed "$WORK/sslyze-https-$round.out" sslyze --json_out "$WORK/sslyze-https-$round.json" \
        "$address:$https_port"
    https+=("$WALL")
    echo "$row | $WALL ($CODE, $LOAD) |"
done
read -r ours_med ours_min ours_max < <(stats "${ours[@]}")
read -r cti_med cti_min cti_max < <(stats "${cti[@]}")
read -r https_med https_min https_max < <(stats "${https[@]}")
echo
echo "| measurement | median s | min s | max s |"
echo "|---|---|---|---|"
echo "| xspctl verify of xsp1 (both endpoints and the host) | $ours_med | $ours_min | $ours_max |"
echo "| sslyze, CTI endpoint (mTLS) | $cti_med | $cti_min | $cti_max |"
echo "| sslyze, HTTPS endpoint | $https_med | $https_min | $https_max |"
ratio=$(echo "$ours_med / $cti_med" | bc -l)
printf '\nxspctl / sslyze (CTI), medians: %.2f (goal: at most 0.33): %s\n' "$ratio" \
    "$(echo "$ratio <= 1/3" | bc -l | sed 's/1/met/;s/0/NOT met/')"
echo
echo "Accepted protocols and suites, round $ROUNDS (xspctl's report vs sslyze's --json_out):"
compare "$WORK/verify-$ROUNDS.json" CTI "$address" "$cti_port" "$WORK/sslyze-cti-$ROUNDS.json" || FAILED=1
compare "$WORK/verify-$ROUNDS.json" HTTP "$address" "$https_port" "$WORK/sslyze-https-$ROUNDS.json" || FAILED=1
python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["hosts"][0]["checks"]
bad = [" ".join((c["status"], c["id"], c["subject"])) for c in r if c["status"] != "ok"]
print(f"verify of xsp1: {len(r)} checks, {len(r) - len(bad)} ok" + "".join("\n  " + b for b in bad))' \
    "$WORK/verify-$ROUNDS.json"
stop_server

# ---- Part 2: HOSTS hosts, full verify ----
serve "$WORK/many" "$HOSTS" R24 127.84.0.1
host_certificates "$WORK/many" "$WORK/pki"
playbook "$WORK/many" "$WORK/pki"
apply "$WORK/many"
echo
echo "## $HOSTS hosts ($((HOSTS * 2)) endpoints): xspctl verify -f PB (default --parallel)"
echo
echo "| round | wall s | xspctl CPU s | xspsim CPU s | peak RSS MiB | exit | load average at start |"
echo "|---|---|---|---|---|---|---|"
walls=()
for round in $(seq 1 "$ROUNDS"); do
    sim_before=$(server_cpu)
    timed "$WORK/many-$round.out" "$XSPCTL" --color never --state-dir "$WORK/many.state" \
        verify -f "$WORK/many/bench.yaml" --format json --out "$WORK/many-$round.json"
    sim_after=$(server_cpu)
    walls+=("$WALL")
    printf '| %s | %s | %.2f | %.2f | %.1f | %s | %s |\n' "$round" "$WALL" "$CPU" \
        "$(echo "$sim_after - $sim_before" | bc -l)" "$RSS_MIB" "$CODE" "$LOAD"
    if [ "$CODE" != 0 ]; then
        echo "verify of $HOSTS hosts exited $CODE:" >&2
        tail -n 30 "$WORK/many-$round.out" >&2
        FAILED=1
    fi
done
read -r med min max < <(stats "${walls[@]}")
python3 -c 'import json,sys
hosts = json.load(open(sys.argv[1]))["hosts"]
enumerated = sum(1 for h in hosts for c in h["checks"] if c["id"] == "tls.suite-enumeration")
checks = sum(len(h["checks"]) for h in hosts)
ok = sum(1 for h in hosts for c in h["checks"] if c["status"] == "ok")
print(f"\n{len(hosts)} hosts, {enumerated} endpoints enumerated, {checks} checks, {ok} ok")' \
    "$WORK/many-$ROUNDS.json"
printf 'wall s: median %s, min %s, max %s (goal: under 20): %s\n' "$med" "$min" "$max" \
    "$(echo "$med < 20" | bc -l | sed 's/1/met/;s/0/NOT met/')"
exit "$FAILED"
