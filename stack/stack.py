"""The whole system as local processes, no Docker: PostgreSQL, Redis, both services, nginx.

    python stack/stack.py [--port PORT] [--reload]    # start, print the URLs, Ctrl-C stops everything

Everything lives in a throwaway directory that is removed on exit. The ports are compose's host
ports (GATEWAY_PORT, GATEWAY_TLS_PORT, CATALOG_PORT, SESSION_PORT: the environment's, else
docker-compose.yml's defaults), each replaced by a free one when taken. HTTPS uses TLS_CERT_FILE and
TLS_KEY_FILE, else a development certificate (scripts/dev-tls.sh, once, in TLS_DIR); GATEWAY_TLS=off
leaves plain HTTP only. The work is done by shop_stack.local.LocalStack.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from shop_stack.local import LocalStack
from shop_stack.settings import setting
from shop_stack.tls import dev_ca_file


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--port", type=int, default=int(setting("GATEWAY_PORT")), help="gateway port (a free one if taken)"
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart a service's workers when its code changes (make run RELOAD=1)",
    )
    args = parser.parse_args()
    stack = LocalStack(
        gateway_port=args.port,
        gateway_tls_port=int(setting("GATEWAY_TLS_PORT")),
        catalog_port=int(setting("CATALOG_PORT")),
        session_port=int(setting("SESSION_PORT")),
        reload=args.reload,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"starting the stack in {stack.workdir} ...", flush=True)
    try:
        stack.start()  # stops what it started if it fails or is interrupted
    except KeyboardInterrupt:
        sys.exit(130)
    try:
        reload = "  reload: on (a saved .py restarts its service; the UI is the working tree)\n"
        https = ""
        if stack.gateway_https_url:
            https = f"  over HTTPS:           {stack.gateway_https_url}/\n"
            if "TLS_CERT_FILE" not in os.environ:
                https += f"  development CA:       {dev_ca_file()} (README: Trust the development CA)\n"
        print(
            f"\n  UI and API (gateway): {stack.gateway_url}/\n"
            f"{https}"
            f"  catalog-service:      {stack.catalog_url}/\n"
            f"  session-service:      {stack.session_url}/\n"
            f"  logs:                 {stack.workdir}/logs/\n\n"
            f"{reload if args.reload else ''}"
            "  demo accounts: alice / alice-demo-1, bob / bob-demo-1, carol / carol-demo-1\n"
            "  Ctrl-C stops everything.",
            flush=True,
        )
        while all(proc.poll() is None for proc in stack.procs.values()):
            time.sleep(0.5)
        print("a process exited; stopping the stack", file=sys.stderr)
        stack.print_logs()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping ...", flush=True)
        stack.stop()
        print("stopped; removed " + str(stack.workdir), flush=True)


if __name__ == "__main__":
    main()
