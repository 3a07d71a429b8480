#!/usr/bin/env bash
# Installs everything lgx needs to build, test and run its demo on a fresh
# Debian 12 machine (as root): the -dev packages, test tools, and the Kafka
# broker's and tools' jars (through Maven, into .cache/kafka/<version>, which
# git ignores: the default version, and $KAFKA_VERSION when it names another).
# Idempotent: a second run only checks.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache="$top/.cache"

pkgs=(build-essential pkg-config librdkafka-dev libavro-dev libyajl-dev
      libcurl4-openssl-dev uuid-dev libmicrohttpd-dev check kafkacat python3 clang-format
      cppcheck valgrind default-jre-headless maven strace prometheus
      python3-venv clang libclang-rt-14-dev)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps: need root to install Debian packages: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Kafka jars of the default version and of $KAFKA_VERSION, each in its
# own folder, stamped by the pom it was fetched with.
. "$top/test/env/kafka_lib.sh"
fetch_kafka() {
    local version=$1 jars stamp profile=log4j2
    jars=$(kafka_jars "$version")
    stamp="$(dirname "$jars")/stamp"
    [ "${version%%.*}" -ge 4 ] || profile=log4j1
    if [ ! -f "$stamp" ] || ! cmp -s "$top/test/env/kafka-pom.xml" "$stamp"; then
        echo "deps: fetching the Kafka $version jars with Maven"
        rm -rf "$jars"
        mkdir -p "$jars"
        mvn -q -B -f "$top/test/env/kafka-pom.xml" -Dkafka.version="$version" \
            -P "$profile" dependency:copy-dependencies \
            -DoutputDirectory="$jars" -DincludeScope=runtime
        cp "$top/test/env/kafka-pom.xml" "$stamp"
    fi
}
fetch_kafka "$KAFKA_DEFAULT_VERSION"
[ "$KAFKA_VERSION" = "$KAFKA_DEFAULT_VERSION" ] || fetch_kafka "$KAFKA_VERSION"
# The schema registry of the integration tests (Apicurio Registry, run by
# test/env/registry.sh): its distribution from Maven Central, unpacked.
reg="$cache/registry"
if [ ! -f "$reg/stamp" ] || ! cmp -s "$top/test/env/registry-pom.xml" "$reg/stamp"; then
    echo "deps: fetching the schema registry with Maven"
    rm -rf "$reg"
    mkdir -p "$reg/dl" "$reg/app"
    mvn -q -B -f "$top/test/env/registry-pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$reg/dl"
    tar -xzf "$reg"/dl/apicurio-registry-app-*-all.tar.gz -C "$reg/app"
    rm -rf "$reg/dl"
    cp "$top/test/env/registry-pom.xml" "$reg/stamp"
fi
# Validators of the deployment files (a venv and kustomize under .cache).
"$top/test/tools/lint_manifests.sh" --install
echo "deps: ok"
