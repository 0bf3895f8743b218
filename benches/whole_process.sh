#!/usr/bin/env bash
# Whole-process benchmark (issue #8 item 9; results in docs/benchmarks.md): the xspctl
# binary as a user runs it, against one `xspsim serve` of 100 XSP R23 hosts on
# loopback, beside 100 parallel OpenSSH sessions that each run bwcli and one `get`.
#
#   [ROUNDS=R] benches/whole_process.sh XSPCTL XSPSIM [SIZE...]   (sizes default to 1 20 100)
#
# For each size N, on a fresh copy of the same 100 hosts: plan, apply, plan again (in
# sync), verify and the drift-only verify of the first N hosts (`--host`, default --parallel), each timed
# with its peak RSS (/usr/bin/time), then the OpenSSH floor of the same run. Prints
# one markdown table row per measurement, and, at 100 hosts, the round's apply and
# verify_drift as multiples of its OpenSSH figure. With ROUNDS=R (default 1) each
# size is measured R times, each round on a fresh copy; the last lines give the
# median and the largest multiple over the rounds of 100 hosts. Only loopback addresses are used.
set -euo pipefail

XSPCTL=$(realpath "$1")
XSPSIM=$(realpath "$2")
shift 2
SIZES=("${@:-1 20 100}")
ROUNDS=${ROUNDS:-1}
read -r -a SIZES <<<"${SIZES[*]}"
HOSTS=100
WORK=$(mktemp -d /tmp/xspctl-whole-process.XXXXXX)
# stop_server, serve DIR N RELEASE BASE, server_cpu; WORK removed on exit.
source "$(dirname "$0")/lib.sh"

# The first N host names, comma-separated.
first_hosts() {
    python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hosts"]; print(",".join(e["name"] for e in h[:int(sys.argv[2])]))' "$1/hosts.json" "$2"
}

# Runs xspctl with ARGS, timed; prints a table row
# "| N | WHAT | wall s | xspctl CPU s (user+sys) | xspsim CPU s | peak RSS MiB | exit |".
timed() {
    local n=$1 what=$2
    shift 2
    local code=0 sim_before sim_after
    sim_before=$(server_cpu)
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$XSPCTL" --color never "$@" \
        >"$WORK/$what-$n.out" 2>&1 || code=$?
    # The last line: a failing command adds "Command exited with non-zero status".
    sim_after=$(server_cpu)
    read -r secs kib user sys < <(tail -n 1 "$WORK/time")
    echo "$secs" >"$WORK/secs-$what"
    printf '| %s | %s | %s | %.2f | %.2f | %.1f | %s |\n' "$n" "$what" "$secs" \
        "$(echo "$user + $sys" | bc -l)" "$(echo "$sim_after - $sim_before" | bc -l)" \
        "$(echo "$kib / 1024" | bc -l)" "$code"
}

# 100 parallel OpenSSH sessions, each: connect, authenticate (key), bwcli, one get, exit.
openssh_floor() {
    local dir=$1
    local start end
    start=$(date +%s.%N)
    python3 -c 'import json,sys
for e in json.load(open(sys.argv[1]))["hosts"]:
    print(e["address"], e["ssh_port"], e["user"], e["private_key"])' "$dir/hosts.json" |
        {
            while read -r address port user key; do
                printf 'cd /Interface/Http/HttpServer;get\nexit\ny\n' |
                    ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes \
                        -o UserKnownHostsFile="$dir/known_hosts" -o IdentitiesOnly=yes \
                        -i "$key" -p "$port" "$user@$address" bwcli >"$WORK/ssh-$address.out" 2>&1 &
            done
            # Waits for the ssh sessions only (this subshell's children), not the server.
            wait
        }
    end=$(date +%s.%N)
    local ok
    ok=$(grep -l "1 entry found" "$WORK"/ssh-*.out | wc -l)
    echo "$end - $start" | bc -l >"$WORK/secs-openssh"
    printf '| %s | openssh_100_get | %.2f | | | | %s of %s ok |\n' "-" "$(cat "$WORK/secs-openssh")" "$ok" "$HOSTS"
    rm -f "$WORK"/ssh-*.out
}

echo "# xspctl $("$XSPCTL" --version 2>/dev/null || true); $(nproc) cores; $(date -u +%FT%TZ)" >&2
# Create the 100 hosts once (RSA key generation dominates); every size starts from a
# copy of them as they were created.
serve "$WORK/pristine" "$HOSTS" R23 127.81.0.1
stop_server
chmod 600 "$WORK/pristine"/*key* 2>/dev/null || true

echo "| hosts | measurement | wall s | xspctl CPU s | xspsim CPU s | peak RSS MiB | exit |"
echo "|---|---|---|---|---|---|---|"
# Prints "| N | WHAT ÷ openssh_100_get | ratio x | ..." for this round and keeps the
# ratio for the summary.
ratio() {
    local n=$1 what=$2 r
    r=$(echo "$(cat "$WORK/secs-$what") / $(cat "$WORK/secs-openssh")" | bc -l)
    echo "$r" >>"$WORK/ratios-$n-$what"
    printf '| %s | %s ÷ openssh_100_get | %.2f x | | | | |\n' "$n" "$what" "$r"
}

for n in "${SIZES[@]}"; do
    for round in $(seq 1 "$ROUNDS"); do
        # A fresh copy per size and round, none deleted before the exit: on ext4
        # without a journal, creating a file skips every inode deleted in the last
        # 30 s one by one, so deleting the previous copy here taxed the measured
        # run's file creation (apply of 100 hosts: 1.03 x the OpenSSH figure after
        # it, 0.88-0.92 x without it; docs/benchmarks.md).
        run="$WORK/run-$n-$round"
        cp -a "$WORK/pristine" "$run"
        serve "$run" "$HOSTS" R23 127.81.0.1
        pb="$run/playbook.yaml"
        hosts=$(first_hosts "$run" "$n")
        state="$WORK/state-$n-$round"
        timed "$n" plan --state-dir "$state" plan -f "$pb" --host "$hosts"
        timed "$n" apply --state-dir "$state" apply -f "$pb" --host "$hosts" --yes
        timed "$n" plan_in_sync --state-dir "$state" plan -f "$pb" --host "$hosts"
        timed "$n" verify --state-dir "$state" verify -f "$pb" --host "$hosts"
        # verify of the host side alone (drift; no handshake): `verify --check config.drift`.
        timed "$n" verify_drift --state-dir "$state" verify -f "$pb" --host "$hosts" --check config.drift
        grep -c "changed\|restart required" "$WORK/apply-$n.out" >/dev/null ||
            { echo "apply of $n hosts changed nothing:" >&2; tail "$WORK/apply-$n.out" >&2; }
        openssh_floor "$run"
        stop_server
        # The OpenSSH figure is for all the hosts: a multiple only means something there.
        if [ "$n" = "$HOSTS" ]; then
            ratio "$n" apply
            ratio "$n" verify_drift
        fi
    done
done

# The median and the largest multiple over the rounds of all the hosts.
for n in "${SIZES[@]}"; do
    [ "$n" = "$HOSTS" ] || continue
    for what in apply verify_drift; do
        python3 -c 'import statistics,sys
r=[float(l) for l in open(sys.argv[1])]
print(f"{sys.argv[2]} hosts, {sys.argv[3]} / openssh_100_get over {len(r)} rounds: median {statistics.median(r):.2f} x, largest {max(r):.2f} x")' \
            "$WORK/ratios-$n-$what" "$n" "$what"
    done
done
