#!/bin/sh
# install-deps.sh: install every build, test and demo dependency from Debian 12 packages.
# Idempotent: packages already present are left alone, and apt-get update runs only
# when something is missing.
set -eu

PKGS="build-essential cmake pkg-config git ca-certificates
libssl-dev openssl libevent-dev libnghttp2-dev libxml2-dev libxml2-utils
libxmlsec1-dev libxmlsec1-openssl xmlsec1 libsqlite3-dev sqlite3
libcmocka-dev libinih-dev libsystemd-dev
libp11-kit-dev libengine-pkcs11-openssl softhsm2 opensc
curl nghttp2-client nghttp2-server clang libclang-rt-14-dev clang-format gcovr python3
chromium
debhelper lintian scdoc debootstrap man-db"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
else
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		SUDO="sudo"
	fi
	echo "install-deps: installing:$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The Debian 12 root that tests/integration/package_install.sh installs the
# .deb into (downloaded here, once, never by the test; root only).
"$(dirname "$0")/test-root.sh"
