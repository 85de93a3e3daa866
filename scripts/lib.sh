# Shared by scripts/run and scripts/test: install what is missing, build.
# Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${PRAXIS_BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${PRAXIS_BUILD_TYPE:-RelWithDebInfo}"

# Debian packages the build and the tests need (DESIGN §2).
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libasio-dev libprotobuf-dev protobuf-compiler libsodium-dev librocksdb-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libcli11-dev libtomlplusplus-dev
  nlohmann-json3-dev libexpected-dev
  libcivetweb-dev libsystemd-dev  # HTTP endpoints (metrics, health); sd_notify readiness
  golang-github-flynn-noise-dev  # ships the published Noise test vectors (tests/unit/noise_test.cc)
  iproute2  # `ip netns` for the LAN beacon test (tests/netns/); absent from minimal images
  nftables  # `nft` masquerade: the NAT router of the several-hosts test (tests/multihost/)
  python3-yaml systemd  # tests/deploy: parse deploy/*.yaml; systemd-analyze verify on installed units
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  echo "==> installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  echo "==> building into $BUILD_DIR ($BUILD_TYPE)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}
