#!/bin/sh
# Lays out the lgx image's files under DESTDIR, from a source tree whose
# programs are already built (make SCHEMA_DIR=/usr/share/lgx/avro-schemas
# RULES_FILE=/etc/lgx/rules.json all). Used by deploy/Dockerfile and by
# test/tools/test_deploy.sh, so that the image and its test install the same way.
#
#   deploy/stage.sh DESTDIR [SRCDIR] [BINDIR]
#
#   DESTDIR/usr/local/bin/lgx-*            every program (not the unit tests)
#   DESTDIR/usr/local/bin/lgx              entry point: lgx <program> [options]
#   DESTDIR/usr/share/lgx/avro-schemas/    schemas.json and the .avsc contracts
#   DESTDIR/etc/lgx/rules.json             the shipped rules (config/rules.json)
set -eu

dest=${1:?usage: deploy/stage.sh DESTDIR [SRCDIR] [BINDIR]}
src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${3:-$src/build/bin}

set -- "$bin"/lgx-*
[ -x "$1" ] || { echo "stage: no programs in $bin (run make all first)" >&2; exit 1; }

install -d -m 0755 "$dest/usr/local/bin" "$dest/usr/share/lgx/avro-schemas" "$dest/etc/lgx"
for p in "$bin"/lgx-*; do
    install -m 0755 "$p" "$dest/usr/local/bin/"
done
install -m 0755 "$src/deploy/lgx-entrypoint.sh" "$dest/usr/local/bin/lgx"

# The index and every contract it lists; README and examples stay out.
schemas="$src/avro-schemas"
install -m 0644 "$schemas/schemas.json" "$dest/usr/share/lgx/avro-schemas/"
(cd "$schemas" && find . -name '*.avsc' -type f) | while read -r f; do
    install -d -m 0755 "$dest/usr/share/lgx/avro-schemas/$(dirname "$f")"
    install -m 0644 "$schemas/$f" "$dest/usr/share/lgx/avro-schemas/$f"
done
install -m 0644 "$src/config/rules.json" "$dest/etc/lgx/rules.json"
