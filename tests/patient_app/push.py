"""Web push at its network boundaries, for the patient app's browser tests (issue 20, item 4).

Two boundaries, each replaced by the smallest fake that lets everything inside run for real:

- `FakeGcm`: the browser's side. Chromium's `pushManager.subscribe` registers with Google's
  push service (GCM/FCM: a device check-in, then a registration) before it answers. With no
  network it never answers; pointed at this loopback server (`--gcm-checkin-url`,
  `--gcm-registration-url`) it completes a real subscription: the browser makes the P-256 key
  pair and the auth secret itself, and the endpoint names the token issued here. Delivery
  *to* the browser (GCM's MCS socket) is not faked, so such a subscription cannot be read back.
- `PushService`: the server's side. pywebpush encrypts (RFC 8291) and signs (VAPID) for real and
  hands the request to `requests.post`, which records it instead of sending it.

`Subscriber` is a subscription whose private key the test holds, so the test can decrypt what
the push service received: `PUSH_STUB` makes the page's PushManager answer with it.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

# What a push payload may carry (notifications.channels.webpush): catalogue text, opaque ids.
PAYLOAD_KEYS = {"title", "body", "id", "template", "link"}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_keys() -> tuple[str, str]:
    """A deployment's VAPID pair: (private PEM for settings, public base64url for the app)."""
    key = Vapid()
    key.generate_keys()
    public = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key.private_pem().decode(), b64url(public)


@dataclass
class Subscriber:
    """A browser's push subscription made in the test: a real P-256 key pair and auth secret."""

    endpoint: str = "https://push.example.test/wp/subscription-1"
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def keys(self) -> dict[str, str]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(point), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth)
        return json.loads(plain)

    def page_stub(self) -> str:
        return PUSH_STUB % {"endpoint": json.dumps(self.endpoint), "keys": json.dumps(self.keys)}


# Replaces only PushManager.prototype.subscribe (the call that would reach the push service);
# the app's own subscribe code, the permission, the service worker and the API call are real.
PUSH_STUB = """
PushManager.prototype.subscribe = async function (options) {
  window.__pushOptions = { userVisibleOnly: options.userVisibleOnly,
    applicationServerKey: Array.from(new Uint8Array(options.applicationServerKey)) };
  const json = { endpoint: %(endpoint)s, expirationTime: null, keys: %(keys)s };
  return { ...json, toJSON: () => json, unsubscribe: async () => true };
};
"""


@dataclass
class FakeResponse:
    status_code: int
    reason: str = ""
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PushService:
    """Stands in for the push service behind `requests.post`; records every request."""

    status: int = 201
    received: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        with self._lock:  # the worker's thread posts; the test's thread reads
            self.received.append({"url": url, **kwargs})
        return FakeResponse(self.status)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeGcm:
    """Answers Chromium's GCM device check-in and registration on loopback.

    The check-in answer is a protobuf AndroidCheckinResponse with only what Chromium needs:
    stats_ok (field 1), android_id (7) and security_token (8). A registration answers
    `token=...`; Chromium builds the subscription's endpoint from it.
    """

    TOKEN = "fake-gcm-registration-token"
    CHECKIN = b"\x08\x01" + b"\x39" + struct.pack("<Q", 4_242_424_242) + b"\x41"
    CHECKIN += struct.pack("<Q", 7_777_777_777)

    def __init__(self) -> None:
        self.registrations: list[dict[str, str]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/checkin":
                    self._answer(fake.CHECKIN, "application/x-protobuf")
                    return
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                fake.registrations.append(form)
                self._answer(f"token={fake.TOKEN}".encode(), "text/plain")

            def _answer(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def chromium_args(self) -> list[str]:
        # MCS (the socket that would deliver pushes to the browser) points at a closed port.
        return [
            f"--gcm-checkin-url={self.url}/checkin",
            f"--gcm-registration-url={self.url}/register",
            f"--gcm-mcs-endpoint=https://127.0.0.1:{_closed_port()}",
        ]

    def web_push_registrations(self) -> list[dict[str, str]]:
        """Registrations for a site's push subscription (Chromium also registers itself)."""
        return [r for r in self.registrations if r.get("X-subtype", "").startswith("wp:")]

    def __enter__(self) -> FakeGcm:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
