#!/bin/sh
# install-deps.sh: install the build and demo dependencies from Debian 12 packages;
# with --tests, also what the test suite needs (sanitizer runtimes, fuzzing,
# SoftHSM2, Chromium, the packaging tools, the JDK that tests/bench/run.sh
# measures the verifier against, a PostgreSQL 15 server that the tests on
# PostgreSQL start themselves) and the Debian 12 root the package
# test installs into.
# Idempotent: packages already present are left alone, and apt-get update runs only
# when something is missing.
set -eu

tests=0
case "${1:-}" in
--tests) tests=1 ;;
"") ;;
*)
	echo "usage: packaging/install-deps.sh [--tests]" >&2
	exit 2
	;;
esac

PKGS="build-essential cmake pkg-config git ca-certificates
libssl-dev openssl libevent-dev libnghttp2-dev libxml2-dev libxml2-utils
libxmlsec1-dev libxmlsec1-openssl xmlsec1 libsqlite3-dev sqlite3 libpq-dev
libcmocka-dev libinih-dev libsystemd-dev
libp11-kit-dev libengine-pkcs11-openssl curl python3 scdoc man-db"
TEST_PKGS="softhsm2 opensc nghttp2-client nghttp2-server clang libclang-rt-14-dev
clang-format gcovr chromium debhelper lintian debootstrap default-jdk-headless postgresql"
if [ "$tests" = 1 ]; then
	PKGS="$PKGS $TEST_PKGS"
fi

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
if [ "$tests" = 1 ]; then
	"$(dirname "$0")/test-root.sh"
fi
