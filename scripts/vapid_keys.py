"""Write a VAPID key pair for web push into DIR: private_key.pem and public_key.txt.

    python scripts/vapid_keys.py DIR

public_key.txt holds the base64url uncompressed point the browser subscribes with
(`applicationServerKey`). `make run` calls this once for development keys under var/vapid/.
"""

import base64
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid


def main(directory: Path) -> None:
    vapid = Vapid()
    vapid.generate_keys()
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = directory / "private_key.pem"
    private.write_bytes(vapid.private_pem())
    os.chmod(private, 0o600)
    (directory / "public_key.txt").write_text(
        base64.urlsafe_b64encode(point).rstrip(b"=").decode() + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
