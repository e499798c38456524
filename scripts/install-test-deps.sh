#!/usr/bin/env bash
# Installs the system binaries the test suite runs for real: prometheus (promtool),
# prometheus-alertmanager (amtool), and for the image test (tests/shipped/test_image.py) podman
# with runc and mmdebstrap (the image's base is made from Debian's packages; the container
# runs on the host's network, so no slirp4netns), and openssl (test certificates). Does nothing
# when they are already there.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
{ command -v alertmanager || command -v prometheus-alertmanager; } >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
for tool in podman:podman runc:runc mmdebstrap:mmdebstrap openssl:openssl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
for extra in "$@"; do
  command -v "${extra%%:*}" >/dev/null 2>&1 || need+=("${extra#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts services on install where it can; the tests run their own instances.
for svc in prometheus prometheus-alertmanager nginx; do
  $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
done
