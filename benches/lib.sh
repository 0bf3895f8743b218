# Shell helpers the benches share (sourced by whole_process.sh and
# verify_vs_sslyze.sh): one `xspsim serve` at a time, started, measured and stopped.
# The sourcing script sets XSPSIM (the xspsim binary) and WORK (its scratch
# directory, removed on exit). Only loopback addresses are used; every wait is bounded.

SERVER=""

# Stops the `xspsim serve` started last, if any.
stop_server() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        SERVER=""
    fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# Starts `xspsim serve` of N XSP hosts of RELEASE from the loopback address BASE on
# DIR (fresh, or reopening the hosts saved there) and waits (at most 15 minutes) for
# its hosts.json; its log is DIR.serve.log.
serve() {
    local dir=$1 n=$2 release=$3 base=$4
    rm -f "$dir/hosts.json"
    "$XSPSIM" serve --hosts "$n" --product xsp --release "$release" --base-address "$base" \
        --ssh-port 0 --https-port 0 --cti-port 0 --dns-port 0 --dir "$dir" \
        </dev/null >"$dir.serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 9000); do
        [ -s "$dir/hosts.json" ] && { sleep 1; return 0; }
        kill -0 "$SERVER" 2>/dev/null || { cat "$dir.serve.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "xspsim serve did not start" >&2
    exit 1
}

# CPU seconds (user+sys) the xspsim server has used so far.
server_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVER/stat"
}
