#!/bin/sh
# Vendor @zazuko/yasgui (the SPARQL editor and results viewer of the endpoint's query page) into
# src/prc_kg/endpoint/web/yasgui/, at the version pinned below. Run by hand, at development time
# only, to refresh the copy: change VERSION, run `sh tools/vendor_yasgui.sh`, check the diff of
# VENDOR.txt, run tests/test_querypage_browser.py (it fails if the new bundle fetches anything
# from the network), commit. prc-kg never runs npm at run or test time.
#
# What is copied: build/yasgui.min.js and build/yasgui.min.css exactly as published (npm checks
# the tarball against the registry's integrity hash; their SHA-256 go into VENDOR.txt), plus the
# licence texts of the bundle's dependencies (the package ships no LICENSE file of its own; its
# package.json says MIT, and LICENSE.txt beside the bundle holds that text).
set -eu
VERSION=4.6.2
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST="$HERE/src/prc_kg/endpoint/web/yasgui"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
printf '{"name":"vendor","version":"1.0.0","private":true}\n' > package.json
npm install --ignore-scripts --no-audit --no-fund --omit=dev "@zazuko/yasgui@$VERSION" >/dev/null
PKG=node_modules/@zazuko/yasgui
test "$(node -p "require('./$PKG/package.json').version")" = "$VERSION"
mkdir -p "$DEST"
cp "$PKG/build/yasgui.min.js" "$PKG/build/yasgui.min.css" "$DEST/"

# Licence texts of every package in the installed tree (the bundle includes them), sorted by name.
{
  echo "Licences of the packages @zazuko/yasgui@$VERSION depends on (its bundle yasgui.min.js includes"
  echo "their code), as npm installed them beside it (the versions the bundle was built with may differ in the last digit)."
  for dir in $(find node_modules -name package.json -not -path '*/build/*' -not -path '*/dist/*' \
               -not -path '*/lib/*' -not -path '*/src/*' -not -path '*/types/*' | sort); do
    d=$(dirname "$dir")
    name=$(node -p "require('./$dir').name || ''" 2>/dev/null || true)
    [ -n "$name" ] || continue
    [ "$d" = "node_modules/$name" ] || [ "${d#node_modules/*/node_modules/}" = "$name" ] || continue
    version=$(node -p "require('./$dir').version")
    licence=$(node -p "const p=require('./$dir'); p.license || (p.licenses||[]).map(l=>l.type).join(' OR ')")
    echo
    echo "================================================================================"
    echo "$name@$version — $licence"
    echo "================================================================================"
    f=$(find "$d" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'copying*' \) | sort | head -n 1)
    if [ -n "$f" ]; then cat "$f"; else echo "(the package holds no licence file; its package.json declares $licence)"; fi
  done
} > "$DEST/THIRD-PARTY-LICENSES.txt"

# The package declares MIT and ships no LICENSE file: the MIT text, with the holders package.json names.
cat > "$DEST/LICENSE.txt" <<LICENCE
@zazuko/yasgui $VERSION (yasgui.min.js, yasgui.min.css) — MIT License
Copyright (c) Triply <info@triply.cc> and contributors, Zazuko GmbH
(the author and contributors the package's package.json names; https://github.com/zazuko/Yasgui)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE

{
  echo "package: @zazuko/yasgui"
  echo "version: $VERSION"
  echo "licence: $(node -p "require('./$PKG/package.json').license") (LICENSE.txt; dependencies in THIRD-PARTY-LICENSES.txt)"
  echo "source: https://registry.npmjs.org/@zazuko/yasgui/-/yasgui-$VERSION.tgz"
  echo "integrity: $(node -p "require('./package-lock.json').packages['$PKG'].integrity")"
  echo "refresh: sh tools/vendor_yasgui.sh (edit VERSION in it first)"
  (cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css)
} > "$DEST/VENDOR.txt"
echo "vendored @zazuko/yasgui@$VERSION into $DEST"
