#!/bin/sh
# As the official image: for `nginx`/`nginx-debug`, run /docker-entrypoint.d/*.sh (executable) and
# source *.envsh in version order, then exec the command.
set -e

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
    if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read -r _; then
        echo "$0: Looking for shell scripts in /docker-entrypoint.d/"
        find /docker-entrypoint.d/ -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.envsh) if [ -x "$f" ]; then echo "$0: Sourcing $f"; . "$f"; fi ;;
                *.sh) if [ -x "$f" ]; then echo "$0: Launching $f"; "$f"; fi ;;
                *) echo "$0: Ignoring $f" ;;
            esac
        done
        echo "$0: Configuration complete; ready for start up"
    fi
fi

exec "$@"
