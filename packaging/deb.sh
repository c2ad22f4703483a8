#!/bin/sh
# deb.sh: build silkport_VERSION_ARCH.deb with Debian's tooling (debhelper,
# dpkg-buildpackage) from the files git tracks, then run lintian on it.
# usage: packaging/deb.sh [OUT-DIR]   (default: build-deb/ in the tree)
# The last line printed is the path of the .deb.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$top/build-deb}

for tool in git dpkg-buildpackage dh dpkg-parsechangelog; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "deb.sh: $tool is missing; run packaging/install-deps.sh --tests" >&2
		exit 1
	fi
done

version=$(sed -n 's/^project(silkport VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
debver=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
if [ -z "$version" ] || [ "$version" != "$debver" ]; then
	echo "deb.sh: CMakeLists.txt says version '$version' but packaging/debian/changelog says '$debver';" >&2
	echo "deb.sh: add a changelog entry (dch -v $version) before building" >&2
	exit 1
fi
arch=$(dpkg --print-architecture)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/silkport-deb.XXXXXX")
trap '[ -n "${SP_KEEP_DEB_TMP:-}" ] || rm -rf "$tmp"' EXIT
src="$tmp/silkport-$version"
mkdir -p "$src" "$outdir"

# Only what git tracks (as it is in the work tree): no build folders, no
# stray local files. debian/ comes from packaging/debian.
echo "deb.sh: assembling the source tree in $src" >&2
(cd "$top" && git ls-files -z | xargs -0 cp -P --parents -t "$src")
cp -R "$top/packaging/debian" "$src/debian"

echo "deb.sh: dpkg-buildpackage (binary only)" >&2
(
	cd "$src"
	DEB_BUILD_OPTIONS="nocheck parallel=${SP_JOBS:-2}" \
		dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1
) || {
	tail -40 "$tmp/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed (log above)" >&2
	exit 1
}

deb="$tmp/silkport_${version}_${arch}.deb"
if [ ! -f "$deb" ]; then
	echo "deb.sh: dpkg-buildpackage made no $deb" >&2
	exit 1
fi
cp "$deb" "$outdir/"
deb="$(cd "$outdir" && pwd)/silkport_${version}_${arch}.deb"

if command -v lintian >/dev/null 2>&1; then
	echo "deb.sh: lintian $deb" >&2
	# lintian exits non-zero when it finds an error: so does deb.sh.
	lintian --info --display-info "$deb" >&2 || {
		echo "deb.sh: lintian found errors" >&2
		exit 1
	}
else
	echo "deb.sh: lintian is missing; the package was not checked" >&2
fi
echo "$deb"
