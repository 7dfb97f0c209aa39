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
for option in "$@"; do
  case "$option" in
    # PyTorch for the interoperability tests (they are skipped without it).
    --with-torch)
      $SUDO apt-get install -y -qq --no-install-recommends python3-torch python3-torchvision python3-numpy > /dev/null ;;
    # clang, libFuzzer and clang's OpenMP for scripts/fuzz.sh and scripts/sanitize.sh.
    --with-sanitizers)
      $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-dev libomp-dev > /dev/null ;;
    *) echo "setup-debian.sh: unknown option $option (expected --with-torch, --with-sanitizers)" >&2; exit 2 ;;
  esac
done
