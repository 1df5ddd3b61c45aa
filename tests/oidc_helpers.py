"""Test keys, JWKS documents and ID tokens, made with PyJWT and cryptography (no network),
and a check of a response against AWS's own API model (botocore's, vendored by awscli)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

GITHUB = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class SigningKey:
    """A provider's key pair: the private half signs tokens, the public half is its JWK."""

    private: Any
    algorithm: str
    kid: str

    @property
    def jwk(self) -> dict[str, Any]:
        maker = jwt.algorithms.RSAAlgorithm if self.algorithm.startswith("RS") else \
            jwt.algorithms.ECAlgorithm
        public = json.loads(maker.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(claims, self.private, algorithm=self.algorithm,
                          headers={"kid": self.kid, **header})


@cache
def rsa_key(kid: str = "rsa-1") -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256",
                      kid)


@cache
def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP256R1()), "ES256", kid)


def jwks(*keys: SigningKey) -> str:
    return json.dumps({"keys": [k.jwk for k in keys]})


def github_claims(now: int, *, sub: str = "repo:acme/app:ref:refs/heads/main",
                  aud: Any = "sts.amazonaws.com", **more: Any) -> dict[str, Any]:
    """An ID token of GitHub Actions, as its OIDC documentation shows one."""
    return {"iss": GITHUB, "aud": aud, "sub": sub, "iat": now, "nbf": now, "exp": now + 300,
            "repository": "acme/app", "ref": "refs/heads/main", **more}


def assert_matches_aws_model(service: str, operation: str, data: dict[str, Any]) -> None:
    """`data` is a valid response of `operation` in AWS's model: no member it lacks, every
    required one, each of its type."""
    import awscli.formatter  # noqa: F401  (awscli's own botocore first, as tests/aws_model.py)
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model(service)
    report = ParamValidator().validate(data, model.operation_model(operation).output_shape)
    assert not report.has_errors(), report.generate_report()
