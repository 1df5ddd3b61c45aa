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


def assert_matches_boto3_model(service: str, operation: str, data: dict[str, Any]) -> None:
    """As assert_matches_aws_model, against the model of the botocore that boto3 brings
    (newer than awscli's copy: operations such as STS's GetScopedCredentials are only there).
    Its service-2.json is read as data, beside awscli's botocore."""
    import gzip
    import importlib.util
    import json
    from pathlib import Path

    import awscli.formatter  # noqa: F401  (awscli's own botocore for the validator)
    from botocore.model import ServiceModel
    from botocore.validate import ParamValidator

    spec = importlib.util.find_spec("boto3")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent.parent / "botocore" / "data" / service
    newest = sorted(p.name for p in folder.iterdir())[-1]
    # botocore ships its models gzipped
    text = gzip.decompress((folder / newest / "service-2.json.gz").read_bytes())
    model = ServiceModel(json.loads(text), service)
    report = ParamValidator().validate(data, model.operation_model(operation).output_shape)
    assert not report.has_errors(), report.generate_report()
