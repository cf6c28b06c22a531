#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, when missing:
#   rabbitmq-server        the broker (started per test run by scripts/rabbitmq.sh, never as a system service)
#   python3-oslo.messaging the real Python oslo.messaging peer for the interop tests (/usr/bin/python3)
#   openssl                certificates for the TLS tests
#   systemd                systemd-notify, which sends the launcher's Type=notify messages (its test)
#   debootstrap            builds the Debian trixie root with RabbitMQ 4 and oslo.messaging 16.1
#                          (scripts/trixie-root.sh, which .ci/run calls after this script)
#   postgresql             the db service-group driver's tests (a throwaway cluster per run, scripts/postgres.sh)
#   iproute2               `ip netns` and veth pairs for the cut-off-host test
# With `--bench` also wrk (HTTP load), python3-oslo.service (the Python peer), valgrind
# (scripts/bench-http-instructions.mjs) and linux-perf (scripts/bench-rpc-profile.mjs).
# `--check` only reports what is missing (exit 1 if anything is). Installing needs root.
set -euo pipefail

missing=()
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
/usr/bin/python3 -c 'import oslo_messaging' 2>/dev/null || missing+=(python3-oslo.messaging)
command -v openssl >/dev/null || missing+=(openssl)
command -v systemd-notify >/dev/null || missing+=(systemd)
command -v debootstrap >/dev/null || missing+=(debootstrap)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v ip >/dev/null || missing+=(iproute2)
[[ "${1:-}" == "--bench" ]] && { command -v wrk >/dev/null || missing+=(wrk); /usr/bin/python3 -c 'import oslo_service' 2>/dev/null || missing+=(python3-oslo.service); command -v valgrind >/dev/null || missing+=(valgrind); command -v perf >/dev/null || missing+=(linux-perf); }

if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
if [[ "${1:-}" == "--check" ]]; then echo "missing Debian packages: ${missing[*]}" >&2; exit 1; fi
if [[ $(id -u) -ne 0 ]]; then echo "system-deps.sh: installing ${missing[*]} needs root (sudo bash scripts/system-deps.sh)" >&2; exit 1; fi

echo "system-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d 101: the rabbitmq-server and postgresql packages must not start system services of their own.
policy=/usr/sbin/policy-rc.d
created=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1; fi
trap '[[ $created -eq 1 ]] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
