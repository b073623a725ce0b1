#!/usr/bin/env bash
# Builds the Debian package of valkdb with CPack: valkdb-server, valkdb-cli,
# valkdb-bench, /etc/valkdb/valkdb.conf and the systemd unit valkdb-server.service
# (Type=notify, `supervised systemd`), run as the valkdb user the package creates.
#   scripts/package.sh            -> build-pkg/valkdb_<version>_<arch>.deb
#   BUILD=dir scripts/package.sh  another build directory
# Then, as root: dpkg -i build-pkg/valkdb_*.deb (apt-get install -f for missing
# dependencies); `dpkg --purge valkdb` removes it with its data, logs and user.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --package
BUILD=${BUILD:-build-pkg}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DVALKDB_BUILD_TESTS=OFF -DVALKDB_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target valkdb-server valkdb-cli valkdb-bench valkdb_client
# Only what the package installs is built; cpack runs the install rules.
(cd "$BUILD" && cpack -G DEB -D CPACK_CMAKE_GENERATOR="Unix Makefiles" >/dev/null)
deb=$(ls -t "$BUILD"/valkdb_*.deb | head -n1)
echo "$deb"
