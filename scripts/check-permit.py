#!/usr/bin/env python3
"""A permit verifies with a standard JWT library (PyJWT) against the platform's JWKS, and a
changed byte, another key or `alg: none` is refused.

    check-permit.py PERMIT.jwt JWKS.json
"""
import base64
import json
import sys

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def verify(token, jwks):
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK.from_dict(jwk)
    return jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_aud": False})


def refused(token, jwks):
    try:
        verify(token, jwks)
    except Exception:  # noqa: BLE001 - any refusal will do
        return True
    return False


def main():
    token = open(sys.argv[1]).read().strip()
    jwks = json.load(open(sys.argv[2]))
    claims = verify(token, jwks)
    assert claims["ga4gh_visa_v1"]["type"] == "ControlledAccessGrants", claims
    assert claims["permit"]["approvals"], claims
    problems = []
    head, body, sig = token.split(".")
    for name, changed in [
        ("a changed byte in the claims", f"{head}.{body[:10]}{'A' if body[10] != 'A' else 'B'}{body[11:]}.{sig}"),
        ("a changed byte in the signature", f"{head}.{body}.{sig[:5]}{'A' if sig[5] != 'A' else 'B'}{sig[6:]}"),
        ("alg none", base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode() + f".{body}."),
    ]:
        if not refused(changed, jwks):
            problems.append(name)
    other = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": jwt.get_unverified_header(token)["kid"]})
    if not refused(other, jwks):
        problems.append("a permit signed with another key")
    if problems:
        print("permit check: accepted " + ", ".join(problems), file=sys.stderr)
        return 1
    print(f"permit check: {claims['jti']} verifies with PyJWT {jwt.__version__} against the JWKS; "
          "a changed byte, another key and alg none are refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
