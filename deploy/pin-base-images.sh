#!/usr/bin/env bash
# Resolves the Dockerfile's base images (debian:$DEBIAN_RELEASE and
# debian:$DEBIAN_RELEASE-slim) to the digests the registry serves now, and
# records them in deploy/base-images.env (its DEBIAN_RELEASE is kept).
# Needs docker and the registry (Docker Hub or the mirror docker pulls
# from); a digest is written only as the registry gave it, never guessed.
#
#   deploy/pin-base-images.sh             resolve and record both
#   deploy/pin-base-images.sh --if-unset  only when not recorded yet
set -euo pipefail

env_file=$(cd "$(dirname "$0")" && pwd)/base-images.env
get() { sed -n "s/^$1=//p" "$env_file"; }
release=$(get DEBIAN_RELEASE)
if [ "${1:-}" = "--if-unset" ] && [ -n "$(get DEBIAN_DIGEST)" ] &&
    [ -n "$(get DEBIAN_SLIM_DIGEST)" ]; then
    exit 0
fi

# The digest of the image index (all platforms) the tag points at.
digest_of() {
    local ref=$1 d
    # "Digest: sha256:..." of the index, as buildx prints it first.
    d=$(docker buildx imagetools inspect "$ref" 2>/dev/null |
        sed -n 's/^Digest: *\(sha256:[0-9a-f]\{64\}\)$/\1/p' | head -1)
    if [ -z "$d" ]; then
        docker pull -q "$ref" >/dev/null
        d=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" |
            sed -n 's/^[^@]*@\(sha256:[0-9a-f]\{64\}\)$/\1/p' | head -1)
    fi
    if [ -z "$d" ]; then
        echo "pin-base-images: no digest for $ref" >&2
        return 1
    fi
    echo "@$d"
}

full=$(digest_of "debian:$release")
slim=$(digest_of "debian:$release-slim")
sed -i -e "s|^DEBIAN_DIGEST=.*|DEBIAN_DIGEST=$full|" \
    -e "s|^DEBIAN_SLIM_DIGEST=.*|DEBIAN_SLIM_DIGEST=$slim|" "$env_file"
echo "pin-base-images: debian:$release$full"
echo "pin-base-images: debian:$release-slim$slim"
echo "pin-base-images: recorded in ${env_file#"$PWD"/} (commit it)"
