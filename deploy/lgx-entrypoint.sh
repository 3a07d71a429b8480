#!/bin/sh
# Entry point of the lgx image: the first argument names the program.
#   lgx picks --brokers kafka:9092 ...   runs /usr/local/bin/lgx-picks
#   lgx lgx-dlq list --topic ...         the lgx- prefix may be given too
#   lgx healthcheck [PATH]               0 when the program's /healthz
#                                        (or PATH) answers 200
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
    healthcheck)
        # The image's HEALTHCHECK: GET /healthz (or the path given) of the
        # program's endpoint, at LGX_HTTP_ADDRESS (0.0.0.0: loopback) and
        # LGX_HTTP_PORT (9464); 0 on a 200. Through bash's /dev/tcp: the
        # slim image has no curl or wget.
        exec bash -c '
            addr=${LGX_HTTP_ADDRESS:-0.0.0.0}
            case $addr in 0.0.0.0 | "::" | "") addr=127.0.0.1 ;; esac
            exec 3<>"/dev/tcp/$addr/${LGX_HTTP_PORT:-9464}" || exit 1
            printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" "$addr" >&3
            IFS= read -r -t 5 status <&3 || exit 1
            case $status in "HTTP/1."?" 200 "*) exit 0 ;; esac
            echo "lgx healthcheck: $1: ${status%$(printf "\r")}" >&2
            exit 1' healthcheck "${2:-/healthz}"
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
