#!/bin/sh
# Refresh the console's vendored mermaid (MIT) from npm: its standalone build and its licence.
# The console has no build step; this script is the only way the file in static/vendor/ changes.
# Usage: schema/console/vendor.sh [version]   (default: the newest 12.x)
set -eu
version="${1:-12}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "mermaid@$version" >/dev/null && tar xzf mermaid-*.tgz package/dist/mermaid.min.js package/LICENSE package/package.json)
cp "$tmp/package/dist/mermaid.min.js" "$here/static/vendor/mermaid.min.js"
cp "$tmp/package/LICENSE" "$here/static/vendor/mermaid.LICENSE"
grep '"version"' "$tmp/package/package.json"
