"""Print the current 6-digit TOTP code for a base32 secret (demo accounts, smoke tests).

.venv/bin/python scripts/totp_code.py NURSEDEMONURSEDEMONURSEDEMONURSE
"""

import base64
import sys

from django_otp.oath import totp


def main() -> None:
    secret = sys.argv[1].strip().upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    print(f"{totp(key):06d}")


if __name__ == "__main__":
    main()
