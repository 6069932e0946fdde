"""Fetch the API explorer's renderer, swagger-ui-dist, pinned and checked, into DEST.

    python gateway/api-docs/fetch_swagger_ui.py DEST      # DEST/swagger-ui-bundle.js, DEST/swagger-ui.css

The npm package's tarball, straight from the registry by its pinned version, checked against the
integrity hash npm records for it; only the two files the page loads are kept. Nothing is fetched
when DEST already holds this version. scripts/setup.sh runs it for `make run` (DEST: the git-ignored
gateway/api-docs/vendor/), and the gateway image's build stage does (no CDN at run time either way).
Standard library only: it runs in the Python image's build stage as well as on a host.
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "5.35.0"
INTEGRITY = "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
TARBALL = f"https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-{VERSION}.tgz"
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE")


def main(dest: Path) -> None:
    stamp = dest / "VERSION"
    if stamp.is_file() and stamp.read_text().strip() == VERSION and all((dest / f).is_file() for f in FILES):
        return
    with urllib.request.urlopen(TARBALL, timeout=60) as response:  # noqa: S310 - a fixed https URL
        data = response.read()
    algorithm, expected = INTEGRITY.split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() != expected:
        sys.exit(f"swagger-ui-dist {VERSION}: the tarball does not match its pinned integrity hash")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for name in FILES:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                sys.exit(f"swagger-ui-dist {VERSION}: no {name} in the package")
            (dest / name).write_bytes(member.read())
    stamp.write_text(VERSION + "\n")
    print(f"swagger-ui-dist {VERSION} in {dest}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
