"""`iamtui serve`: the store over IAM's and STS's HTTP API, for the AWS CLI, boto3, Terraform."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys

from iamtui.commands.registry import ArgumentError, Response, arg, command
from iamtui.commands.session import caller_for


@command("serve", "Serve the store over IAM's and STS's API (SigV4-signed, on 127.0.0.1).",
         arg("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"),
         arg("--port", type=int, default=8787, help="the port (default 8787; 0 picks one)"),
         arg("--tls", action="store_true",
             help="HTTPS with a self-signed certificate for localhost (clients: --ca-bundle)"))
def run_serve(args: argparse.Namespace) -> Response:
    from iamtui.serve.server import RunningServer, endpoint_lines
    from iamtui.service import IamService

    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback and not args.tls:  # credentials would cross the network in clear
        raise ArgumentError(f"--host {args.host} is not a loopback address: serving beyond "
                            "this machine needs --tls")
    service = IamService.open(args.db)
    try:
        if not service.serving_enabled():
            # enabling changes what the store keeps (sealed secrets): the root user decides
            service.enable_serving(caller_for(service, args))
            print("Serving enabled: access keys and role sessions created from now on can "
                  "sign requests; rotate older keys to use them here.", file=sys.stderr)
        context, ca_bundle = None, None
        if args.tls:
            from iamtui.serve.tls import server_context
            from iamtui.service import config_dir

            context, ca_bundle = server_context(config_dir() / "serve")
        running = RunningServer(service, args.host, args.port, context,
                                str(ca_bundle) if ca_bundle else None)
        # `kill` stops it as cleanly as ctrl+c: the status file goes with the server (the
        # handler is in place before the lines say the server is up)
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            print(endpoint_lines(running.status.url, running.status.ca_bundle), flush=True)
            running.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            running.close()
    finally:
        service.close()
    return Response({})


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # out of serve_forever, through the cleanup above
