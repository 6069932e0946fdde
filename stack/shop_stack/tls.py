"""The gateway's certificate for the stacks on this machine: the person's own, or the development one.

TLS_CERT_FILE and TLS_KEY_FILE name a certificate and key to serve; without them scripts/dev-tls.sh
makes (once) a development CA and a localhost certificate in TLS_DIR, the directory compose's
dev-tls job writes too, so `make run` and `docker compose up` serve the same certificate.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .settings import ROOT, setting


def dev_tls_dir() -> Path:
    """TLS_DIR (compose's default is relative to the repository, as compose resolves it)."""
    return ROOT / setting("TLS_DIR")


def dev_ca_file() -> Path:
    """The development CA to trust (exists once ensure_certificate has run)."""
    return dev_tls_dir() / "ca.crt"


def ensure_certificate() -> tuple[Path, Path]:
    """(certificate, key): TLS_CERT_FILE and TLS_KEY_FILE when set, else the development pair."""
    cert, key = os.environ.get("TLS_CERT_FILE"), os.environ.get("TLS_KEY_FILE")
    if cert or key:
        if not (cert and key):
            raise SystemExit("TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither")
        return Path(cert), Path(key)
    directory = dev_tls_dir()
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "dev-tls.sh"), str(directory)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/dev-tls.sh failed: {done.stderr.strip()}")
    return directory / "tls.crt", directory / "tls.key"
