"""Docker mode on an nginx without `resolve` (the "variable" mode), run locally against a fake DNS.

This is the path the gateway takes in a container built on Debian's nginx (1.22/1.26): service
names are resolved per request through `resolver`, so every replica's address is used and nginx
starts while a name does not resolve yet.
"""

import socket
import struct
import threading
from collections.abc import Iterator

import pytest
import requests

from .support import FakeService, fake_nginx


class FakeDns:
    """Answers A queries from a dict (name -> addresses); NXDOMAIN for anything else."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while self.running:
            try:
                query, client = self.sock.recvfrom(512)
            except OSError:
                return
            self.sock.sendto(self.answer(query), client)

    def answer(self, query: bytes) -> bytes:
        labels, offset = [], 12
        while query[offset]:
            length = query[offset]
            labels.append(query[offset + 1 : offset + 1 + length].decode())
            offset += 1 + length
        question = query[12 : offset + 5]
        qtype = struct.unpack("!H", query[offset + 1 : offset + 3])[0]
        addresses = self.records.get(".".join(labels), []) if qtype == 1 else []
        flags = 0x8180 if addresses else 0x8183
        header = query[:2] + struct.pack("!HHHHH", flags, 1, len(addresses), 0, 0)
        answers = b"".join(
            struct.pack("!HHHIH", 0xC00C, 1, 1, 600, 4) + socket.inet_aton(ip) for ip in addresses
        )
        return header + question + answers

    def stop(self) -> None:
        self.running = False
        self.sock.close()


@pytest.fixture
def replicas() -> Iterator[list[FakeService]]:
    """Two catalog-service replicas on the same port, at 127.0.0.1 and 127.0.0.2."""
    first = FakeService("catalog").start()
    port = first.server.server_address[1]
    second = FakeService("catalog")
    try:
        second.start(("127.0.0.2", port))
    except OSError as error:
        first.stop()
        pytest.skip(f"cannot bind 127.0.0.2:{port}: {error}")
    yield [first, second]
    first.stop()
    second.stop()


def test_names_are_resolved_per_request_and_every_replica_is_used(start_gateway, replicas, tmp_path):
    port = replicas[0].server.server_address[1]
    # session-service has no record yet, as while compose is still starting it.
    dns = FakeDns({"catalog-service": ["127.0.0.1", "127.0.0.2"]})
    try:
        gw = start_gateway(
            f"catalog-service:{port}",
            "session-service:8000",
            NGINX_RESOLVER=dns.address,
            PATH=fake_nginx(tmp_path, "1.22.1"),  # the variable mode, whatever nginx runs the config
        )
        runtime = (gw.conf / "runtime.conf").read_text()
        assert "upstream" not in runtime
        assert f"default  catalog-service:{port};" in runtime

        for _ in range(10):
            assert requests.get(f"{gw.url}/api/catalog/goods?x=1", timeout=5).status_code == 200
        assert replicas[0].requests and replicas[1].requests  # both replicas got traffic
        assert replicas[1].last()["path"] == "/goods?x=1"  # prefix stripped with a variable target

        down = requests.get(f"{gw.url}/api/session/me", timeout=5)
        assert down.status_code == 502
        assert down.json()["error"]["code"] == "bad_gateway"
    finally:
        dns.stop()
