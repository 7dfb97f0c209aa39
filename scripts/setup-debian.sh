#!/usr/bin/env bash
# Installs the Debian packages facebench builds with (run as root or via sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  cmake make g++ pkg-config libgomp1 doctest-dev libstb-dev libcli11-dev nlohmann-json3-dev libzip-dev \
  libhdf5-dev libturbojpeg0-dev > /dev/null
# Open MPI: the MPI backend of nn/distributed (data-parallel training) and its mpirun test.
$SUDO apt-get install -y -qq --no-install-recommends libopenmpi-dev openmpi-bin > /dev/null
# Optional: PyTorch for the interoperability tests (they are skipped without it).
if [ "${1:-}" = "--with-torch" ]; then
  $SUDO apt-get install -y -qq --no-install-recommends python3-torch python3-torchvision python3-numpy > /dev/null
fi
