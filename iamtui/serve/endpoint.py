"""What a client needs to reach a server: the endpoint and the lines to paste into the AWS
CLI, boto3 and Terraform. `iamtui serve` prints them and the TUI's Server screen shows them,
from this one place; light to import (no server, no models)."""

from __future__ import annotations


def paste_lines(url: str, ca_bundle: str | None = None) -> list[str]:
    """The lines to paste into each client for the server at `url` (`ca_bundle`: the
    certificate to trust with --tls)."""
    trust = f" --ca-bundle {ca_bundle}" if ca_bundle else ""
    verify = f", verify=\"{ca_bundle}\"" if ca_bundle else ""
    return [
        f"AWS CLI:   aws iam list-users --endpoint-url {url}{trust}",
        "           (or endpoint_url = " + url + " in a profile of ~/.aws/config)",
        f"boto3:     boto3.client(\"iam\", endpoint_url=\"{url}\"{verify})",
        "Terraform: provider \"aws\" {",
        "             endpoints {",
        f"               iam = \"{url}\"",
        f"               sts = \"{url}\"",
        "             }",
        "           }",
        "Sign with an iamtui access key (created after serving was enabled).",
    ]


def endpoint_lines(url: str, ca_bundle: str | None = None) -> str:
    """What `iamtui serve` prints: where it listens and the lines to paste into clients."""
    return "\n".join([f"iamtui serves IAM and STS at {url}", "",
                      *paste_lines(url, ca_bundle)])


__all__ = ["endpoint_lines", "paste_lines"]
