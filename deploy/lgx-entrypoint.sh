#!/bin/sh
# Entry point of the lgx image: the first argument names the program.
#   lgx picks --brokers kafka:9092 ...   runs /usr/local/bin/lgx-picks
#   lgx lgx-dlq list --topic ...         the lgx- prefix may be given too
# A Kubernetes Deployment may instead set command: [/usr/local/bin/lgx-picks].
# The program replaces this shell (exec), so it is PID 1 and receives
# SIGTERM and SIGHUP itself.
set -eu
# The programs sit next to this script (/usr/local/bin in the image).
case $0 in
    */*) bindir=${0%/*} ;;
    *) bindir=/usr/local/bin ;;
esac

usage() {
    echo "usage: lgx PROGRAM [OPTIONS]   (PROGRAM --help lists its options)"
    echo "programs:"
    for p in "$bindir"/lgx-*; do
        [ -x "$p" ] && echo "  ${p#"$bindir"/lgx-}"
    done
}

case "${1:-}" in
    "")
        usage >&2
        exit 2
        ;;
    -h | --help | help)
        usage
        exit 0
        ;;
    *[!a-z0-9-]*)
        echo "lgx: not a program name: $1" >&2
        usage >&2
        exit 2
        ;;
    lgx-*) prog=$1 ;;
    *) prog=lgx-$1 ;;
esac
shift
if [ ! -x "$bindir/$prog" ]; then
    echo "lgx: no program $prog" >&2
    usage >&2
    exit 2
fi
exec "$bindir/$prog" "$@"
