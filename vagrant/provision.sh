#!/usr/bin/env bash
# Provisions a simulated BroadWorks XSP under real OpenSSH:
#   - the login user (bwadmin) gets `bwcli` on its PATH, a wrapper running
#     `xspsim bwcli --state ...`, and wrappers for the shell tools (bwshowver,
#     listPatch.pl, restartbw, startbw, stopbw, bwrestart, healthmon) in the
#     BroadWorks directories;
#   - /var/broadworks is the simulated host's /var/broadworks, so files uploaded
#     with the real sshd's SFTP are what bwcli reads (updateTrust, importKeys...);
#   - xspsim serves the host's TLS endpoints (HTTPS and CTI) and DNS, from a systemd
#     unit or a script.
#
# Everything is parameterised by environment variables so that a test can run it
# against a throwaway prefix, as the current user, on high ports, without systemd:
#   PREFIX          root of the installation              (default /)
#   XSPSIM_USER     the login user                        (default bwadmin)
#   CREATE_USER     create the user (needs root)          (default yes)
#   XSPSIM_BIN      an xspsim binary to install           (default: build from BUILD_FROM)
#   BUILD_FROM      a checkout of the repository to build (default /xspctl)
#   HOST_NAME, PRODUCT, RELEASE   the simulated host      (default xsp1, xsp, R23)
#   FQDN            its name                              (default HOST_NAME.lab.xspctl.test)
#   ADDRESS         address of its interfaces             (default 127.0.0.1)
#   HTTPS_PORT, CTI_PORT          its TLS ports           (default 443, 8012)
#   DNS_PORT        the lab DNS port                      (default 5353)
#   AUTHORIZED_KEYS an authorized_keys file for the user  (optional)
#   USE_SYSTEMD     install and start the TLS unit        (default yes)
#   SSHD_STANDALONE also write a complete sshd config on SSH_PORT (default no)
#   SSH_PORT        port of that config                   (default 22)
set -euo pipefail

PREFIX="${PREFIX:-/}"
PREFIX="${PREFIX%/}"
XSPSIM_USER="${XSPSIM_USER:-bwadmin}"
CREATE_USER="${CREATE_USER:-yes}"
BUILD_FROM="${BUILD_FROM:-/xspctl}"
HOST_NAME="${HOST_NAME:-xsp1}"
PRODUCT="${PRODUCT:-xsp}"
RELEASE="${RELEASE:-R23}"
FQDN="${FQDN:-${HOST_NAME}.lab.xspctl.test}"
ADDRESS="${ADDRESS:-127.0.0.1}"
HTTPS_PORT="${HTTPS_PORT:-443}"
CTI_PORT="${CTI_PORT:-8012}"
DNS_PORT="${DNS_PORT:-5353}"
AUTHORIZED_KEYS="${AUTHORIZED_KEYS:-}"
USE_SYSTEMD="${USE_SYSTEMD:-yes}"
SSHD_STANDALONE="${SSHD_STANDALONE:-no}"
SSH_PORT="${SSH_PORT:-22}"

BIN_DIR="$PREFIX/usr/local/bin"
BW_BIN="$PREFIX/usr/local/broadworks/bw_base/bin"
BW_SBIN="$PREFIX/usr/local/broadworks/bw_base/sbin"
PATCH_SBIN="$PREFIX/usr/local/broadworks/patchtool/sbin"
STATE_DIR="$PREFIX/var/lib/xspsim"
HOST_DIR="$STATE_DIR/$HOST_NAME"
XSPSIM="$BIN_DIR/xspsim"

say() { echo "provision: $*"; }

# --- the xspsim binary -------------------------------------------------------
install_xspsim() {
  mkdir -p "$BIN_DIR"
  if [ -z "${XSPSIM_BIN:-}" ]; then
    if ! command -v cargo >/dev/null 2>&1; then
      say "installing a Rust toolchain to build xspsim"
      apt-get update -qq
      apt-get install -y -qq build-essential pkg-config libssl-dev curl >/dev/null
      curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >/dev/null
      # shellcheck disable=SC1091
      . "$HOME/.cargo/env"
    fi
    say "building xspsim from $BUILD_FROM"
    (cd "$BUILD_FROM" && cargo build --release -p xspsim)
    XSPSIM_BIN="$BUILD_FROM/target/release/xspsim"
  fi
  install -m 0755 "$XSPSIM_BIN" "$XSPSIM"
}

# --- the login user ----------------------------------------------------------
setup_user() {
  if [ "$CREATE_USER" = yes ] && ! id "$XSPSIM_USER" >/dev/null 2>&1; then
    say "creating user $XSPSIM_USER"
    useradd --create-home --shell /bin/bash "$XSPSIM_USER"
  fi
  if [ -n "$AUTHORIZED_KEYS" ] && [ "$CREATE_USER" = yes ]; then
    local home
    home="$(getent passwd "$XSPSIM_USER" | cut -d: -f6)"
    install -d -m 0700 -o "$XSPSIM_USER" -g "$XSPSIM_USER" "$home/.ssh"
    touch "$home/.ssh/authorized_keys"
    while IFS= read -r key; do
      [ -n "$key" ] || continue
      grep -qxF "$key" "$home/.ssh/authorized_keys" || echo "$key" >>"$home/.ssh/authorized_keys"
    done <"$AUTHORIZED_KEYS"
    chown "$XSPSIM_USER:$XSPSIM_USER" "$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
  fi
}

# --- the simulated host's state ----------------------------------------------
setup_state() {
  mkdir -p "$STATE_DIR"
  if [ -f "$HOST_DIR/host.json" ]; then
    say "host state exists in $HOST_DIR; kept"
  else
    "$XSPSIM" init --dir "$STATE_DIR" --name "$HOST_NAME" --fqdn "$FQDN" \
      --product "$PRODUCT" --release "$RELEASE" --address "$ADDRESS" \
      --https-port "$HTTPS_PORT" --cti-port "$CTI_PORT" --ssh-port "$SSH_PORT" \
      --user "$XSPSIM_USER" >/dev/null
    say "created host $HOST_NAME ($PRODUCT $RELEASE) in $HOST_DIR"
  fi
  if [ "$(id -u)" -eq 0 ] && id "$XSPSIM_USER" >/dev/null 2>&1; then
    chown -R "$XSPSIM_USER:" "$STATE_DIR"
  fi
  # Files the real sshd's SFTP writes under /var/broadworks are the host's own.
  local real="$PREFIX/var/broadworks"
  if [ -L "$real" ] || [ ! -e "$real" ]; then
    mkdir -p "$PREFIX/var"
    ln -sfn "$HOST_DIR/fs/var/broadworks" "$real"
  else
    say "warning: $real exists and is not a link; uploads there are not seen by bwcli"
  fi
}

# --- bwcli and the shell tools -----------------------------------------------
wrapper() { # wrapper PATH BODY
  printf '#!/bin/sh\n%s\n' "$2" >"$1"
  chmod 0755 "$1"
}

setup_wrappers() {
  mkdir -p "$BW_BIN" "$BW_SBIN" "$PATCH_SBIN"
  wrapper "$BW_BIN/bwcli" "exec \"$XSPSIM\" bwcli --state \"$HOST_DIR\" \"\$@\""
  ln -sfn "$BW_BIN/bwcli" "$BIN_DIR/bwcli"
  local tool
  for tool in bwshowver restartbw startbw stopbw bwrestart healthmon; do
    wrapper "$BW_BIN/$tool" "exec \"$XSPSIM\" exec --state \"$HOST_DIR\" -- $tool \"\$@\""
    ln -sfn "$BW_BIN/$tool" "$BIN_DIR/$tool"
  done
  wrapper "$PATCH_SBIN/listPatch.pl" \
    "exec \"$XSPSIM\" exec --state \"$HOST_DIR\" -- listPatch.pl \"\$@\""
  ln -sfn "$PATCH_SBIN/listPatch.pl" "$BIN_DIR/listPatch.pl"
}

# --- OpenSSH -------------------------------------------------------------------
setup_sshd() {
  local conf_dir="$PREFIX/etc/ssh"
  mkdir -p "$conf_dir/sshd_config.d"
  # The box keeps Debian's sshd; this drop-in only makes sure keys work for the user.
  cat >"$conf_dir/sshd_config.d/xspsim.conf" <<EOF
# xspsim: $XSPSIM_USER logs in with a key and gets bash with bwcli on its PATH.
PubkeyAuthentication yes
EOF
  if [ "$SSHD_STANDALONE" = yes ]; then
    local host_key="$conf_dir/ssh_host_ed25519_key"
    [ -f "$host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$host_key"
    local keys_file="$conf_dir/authorized_keys.$XSPSIM_USER"
    if [ -n "$AUTHORIZED_KEYS" ]; then
      install -m 0600 "$AUTHORIZED_KEYS" "$keys_file"
    fi
    local sftp_server=/usr/lib/openssh/sftp-server
    cat >"$conf_dir/sshd_config.xspsim" <<EOF
# A complete sshd configuration for the simulated host (tests, no root needed
# beyond what sshd itself requires).
Port $SSH_PORT
ListenAddress $ADDRESS
HostKey $host_key
PidFile $PREFIX/run/sshd.xspsim.pid
AuthorizedKeysFile $keys_file
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $XSPSIM_USER
SetEnv PATH=$BIN_DIR:$BW_BIN:$PATCH_SBIN:/usr/local/bin:/usr/bin:/bin
Subsystem sftp $sftp_server
LogLevel ERROR
EOF
    mkdir -p "$PREFIX/run"
    say "wrote $conf_dir/sshd_config.xspsim (port $SSH_PORT)"
  fi
}

# --- TLS endpoints and DNS -----------------------------------------------------
setup_tls_service() {
  local launcher="$BIN_DIR/xspsim-tls"
  wrapper "$launcher" "exec \"$XSPSIM\" serve --dir \"$STATE_DIR\" --no-ssh --allow-external --dns-address \"$ADDRESS\" --dns-port \"$DNS_PORT\""
  if [ "$USE_SYSTEMD" = yes ]; then
    cat >"$PREFIX/etc/systemd/system/xspsim-tls.service" <<EOF
[Unit]
Description=xspsim TLS endpoints (HTTPS $HTTPS_PORT, CTI $CTI_PORT) and DNS of $HOST_NAME
After=network-online.target

[Service]
User=$XSPSIM_USER
ExecStart=$launcher
AmbientCapabilities=CAP_NET_BIND_SERVICE
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
    systemctl daemon-reload
    systemctl enable --now xspsim-tls.service
    systemctl reload ssh || systemctl restart ssh
    say "xspsim-tls.service started"
  else
    say "no systemd: run $launcher to serve TLS and DNS"
  fi
}

install_xspsim
setup_user
setup_state
setup_wrappers
setup_sshd
setup_tls_service
say "done: log in as $XSPSIM_USER and run bwcli"
