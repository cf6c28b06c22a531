#!/usr/bin/env bash
# A Debian trixie root with RabbitMQ 4, oslo.messaging 16.1 and nova (python3-nova: the
# nova-beside-oslo-node services-table tests run nova's own code), kept OUTSIDE the clone so that
# later runs (and other checkouts) reuse it.
#
#   scripts/trixie-root.sh            ensure the root exists and is mounted, print its path
#   scripts/trixie-root.sh --check    exit 0 when the root is there (stamped), 1 otherwise; no changes
#   scripts/trixie-root.sh --path     print the path only
#
# OSLO_NODE_TRIXIE_ROOT   where the root lives (default /var/cache/oslo-node/trixie)
# OSLO_NODE_TRIXIE_MIRROR Debian mirror (default http://deb.debian.org/debian)
#
# Built from scratch with `debootstrap --variant=minbase trixie` into a temporary directory next
# to the target, the packages below installed with --no-install-recommends under a policy-rc.d
# that forbids every service start (the root's rabbitmq-server must never start as a system
# service: scripts/rabbitmq.sh --rabbitmq4 starts private nodes), then renamed into place and
# stamped. A root with the stamp is reused; a root without it whose packages are all installed
# (one built by hand the same way) gets the stamp. proc and a tmpfs on the root's /tmp are
# mounted when they are not already. Needs root.
set -euo pipefail

ROOT="${OSLO_NODE_TRIXIE_ROOT:-/var/cache/oslo-node/trixie}"
MIRROR="${OSLO_NODE_TRIXIE_MIRROR:-http://deb.debian.org/debian}"
PACKAGES=(rabbitmq-server python3-oslo.messaging python3-oslo.service python3-nova openssl ca-certificates procps)
STAMP_NAME=.oslo-node-trixie-root

die() { echo "trixie-root.sh: $*" >&2; exit 1; }

# The stamp names the packages the root was built with: a changed list rebuilds nothing by
# itself but is installed into the existing root (see ensure_packages).
stamp_text() { printf 'oslo-node trixie root\npackages: %s\n' "${PACKAGES[*]}"; }

# A stamp naming every package of ours (more is fine: a checkout with a longer list built it).
stamped() {
  local pkg listed
  [[ -f "$1/$STAMP_NAME" ]] || return 1
  listed=" $(sed -n 's/^packages: //p' "$1/$STAMP_NAME") "
  for pkg in "${PACKAGES[@]}"; do [[ "$listed" == *" $pkg "* ]] || return 1; done
}

packages_installed() {
  local dir=$1 pkg
  [[ -x "$dir/usr/bin/dpkg-query" ]] || return 1
  for pkg in "${PACKAGES[@]}"; do
    chroot "$dir" dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

forbid_service_starts() {
  printf '#!/bin/sh\n# oslo-node: no service starts in this root (scripts/trixie-root.sh)\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
  chmod 755 "$1/usr/sbin/policy-rc.d"
}

install_packages() {
  local dir=$1
  forbid_service_starts "$dir"
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  chroot "$dir" apt-get clean
}

build_from_scratch() {
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  local parent tmp
  parent=$(dirname "$ROOT")
  mkdir -p "$parent"
  tmp=$(mktemp -d "$parent/.trixie-build.XXXXXX")
  # A failed build leaves nothing mounted and nothing half-made at ROOT.
  trap 'umount "'"$tmp"'/proc" 2>/dev/null || true; rm -rf --one-file-system "'"$tmp"'"' EXIT
  echo "trixie-root.sh: debootstrap trixie into $tmp (a few minutes)" >&2
  debootstrap --variant=minbase trixie "$tmp" "$MIRROR" >"$tmp.log" 2>&1 \
    || { tail -n 20 "$tmp.log" >&2; rm -f "$tmp.log"; die "debootstrap failed"; }
  rm -f "$tmp.log"
  echo "trixie-root.sh: installing ${PACKAGES[*]}" >&2
  install_packages "$tmp"
  umount "$tmp/proc"
  stamp_text >"$tmp/$STAMP_NAME"
  [[ -e "$ROOT" ]] && die "$ROOT appeared while building; left the new root at $tmp"
  mv "$tmp" "$ROOT"
  trap - EXIT
}

mount_filesystems() {
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  # The brokers' data dirs and the Python peers' files live here (scripts/rabbitmq.sh).
  mountpoint -q "$ROOT/tmp" || mount -t tmpfs -o mode=1777,size=8g tmpfs "$ROOT/tmp"
}

ensure() {
  [[ $(id -u) -eq 0 ]] || die "building or mounting the trixie root needs root"
  mkdir -p "$(dirname "$ROOT")"
  # One builder at a time (several checkouts may ask at once).
  exec 9>"$ROOT.lock"
  flock 9
  if ! stamped "$ROOT"; then
    if [[ -d "$ROOT" ]]; then
      mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
      packages_installed "$ROOT" || { echo "trixie-root.sh: installing missing packages into $ROOT" >&2; install_packages "$ROOT"; }
      forbid_service_starts "$ROOT"
      stamp_text >"$ROOT/$STAMP_NAME"
    else
      build_from_scratch
    fi
  fi
  mount_filesystems
  flock -u 9
  echo "$ROOT"
}

case "${1:-}" in
  "") ensure ;;
  --check) stamped "$ROOT" ;;
  --path) echo "$ROOT" ;;
  *) echo "usage: $0 [--check|--path]" >&2; exit 2 ;;
esac
