#!/usr/bin/env bash
# Installs everything lgx needs to build, test and run its demo on a fresh
# Debian 12 machine (as root): the -dev packages, test tools, and the Kafka
# broker's jars (through Maven, into .cache/kafka, which git ignores).
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

jars="$cache/kafka/jars"
if [ ! -f "$cache/kafka/stamp" ] || ! cmp -s "$top/test/env/kafka-pom.xml" "$cache/kafka/stamp"; then
    echo "deps: fetching the Kafka broker jars with Maven"
    rm -rf "$jars"
    mkdir -p "$jars"
    mvn -q -B -f "$top/test/env/kafka-pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$jars" -DincludeScope=runtime
    cp "$top/test/env/kafka-pom.xml" "$cache/kafka/stamp"
fi
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
"$top/test/lint_manifests.sh" --install
echo "deps: ok"
