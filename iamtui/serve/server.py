"""`iamtui serve`: IAM and STS over HTTP, so the AWS CLI, boto3 and Terraform work unchanged.

Each request is verified (SigV4, iamtui.serve.sigv4), parsed by the query protocol
(iamtui.serve.protocol) into the operation's input, and run by the same command the CLI has
for that operation (iamtui/commands/*), as the verified principal, on the server's open store:
so every operation the CLI has is served, authorized by the engine and audited as the CLI's
calls are, with the connection's address, user agent and request ID in the audit record.

The standard library's ThreadingHTTPServer is enough for one process on one store: the
store serializes writes anyway, so the threads only keep a slow client from blocking others.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import ssl
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from iamtui.commands import aws_model, paging, params
from iamtui.commands import load as load_commands
from iamtui.commands.registry import COMMANDS, LOCAL_FILES, ArgumentError, Command
from iamtui.commands.session import SERVED
from iamtui.errors import IamError, InvalidClientTokenId, InvalidInput, ValidationError
from iamtui.serve import protocol, sigv4
from iamtui.serve.endpoint import endpoint_lines
from iamtui.serve.refusals import RefusalLimiter, Summary
from iamtui.service.core import SERVED_CALL, RequestInfo, ServedCall
from iamtui.service.serving import ServerStatus

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8787
# IAM's largest parameter is a 131,072-character policy document; URL-encoded, each
# character takes up to 3 bytes per UTF-8 byte (2 for U+0080-U+00FF): 786,432 bytes at
# worst. 1 MiB holds that and the rest of the request.
MAX_BODY = 1 << 20
MAX_THREADS = 16  # requests in progress at once; more wait for a free one
REQUEST_TIMEOUT = 30  # seconds a client may take to send its request


class Served:
    """What the handlers share: the open store, one lock around it, and the clock."""

    def __init__(self, service: IamService, *, secure: bool,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.service, self.secure, self.clock = service, secure, clock
        self.lock = threading.Lock()  # one request at a time in the service
        self.refusals = RefusalLimiter()
        load_commands()
        self.commands: dict[str, Command] = {c.operation: c for c in COMMANDS.values()}

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes,
               source_ip: str, request_id: str) -> tuple[int, bytes]:
        """Answer one request: (HTTP status, XML body)."""
        service, action = "iam", ""
        info = RequestInfo(source_ip, headers.get("user-agent", ""), request_id, self.secure)
        call = ServedCall(info)
        served = SERVED_CALL.set(call)
        caller: Principal | None = None
        given: dict[str, Any] = {}
        try:
            with self.lock:
                with contextlib.suppress(IamError):  # a lost summary fails no request
                    self._summarize(self.refusals.due(self.clock()))
                try:
                    form = _form(body)
                    action = form.get("Action", "")
                    service = protocol.service_of(action) or "iam"
                    if not (action in UNSIGNED_ACTIONS and "authorization" not in
                            {k.lower() for k in headers}):  # the signature is checked first
                        caller = replace(self._authenticate(method, target, headers, body,
                                                            service), request=info)
                    action, given = protocol.parse_request(service, form)
                    data = self._run(action, given, caller)
                except ArgumentError as error:
                    self._audit(caller, service, action, given, ValidationError(str(error)),
                                headers, source_ip)
                    raise
                except IamError as error:
                    self._audit(caller, service, action, given, error, headers, source_ip)
                    raise
                self._audit(caller, service, action, given, None, headers, source_ip)
            return 200, protocol.response_xml(service, action, data, request_id)
        except IamError as error:
            return protocol.error_xml(service, error.code, error.message, error.http_status,
                                      request_id)
        except ArgumentError as error:
            return protocol.error_xml(service, "ValidationError", str(error), 400, request_id)
        except Exception as error:  # a bug must not drop the connection or leak details
            print(f"iamtui serve: request {request_id} failed: {type(error).__name__}",
                  file=sys.stderr)
            return protocol.error_xml(service, "InternalFailure", "The request processing "
                                      f"has failed (request {request_id}).", 500, request_id)
        finally:
            SERVED_CALL.reset(served)

    def _audit(self, caller: Principal | None, service: str, action: str,
               given: dict[str, Any], error: IamError | None, headers: Mapping[str, str],
               source_ip: str) -> None:
        """Every request is in the trail: a known caller's call as the operation's own
        record, else one written here (reads, and calls refused before the operation
        began); a request refused before its caller was known as an unauthenticated one
        (rate-limited: iamtui.serve.refusals)."""
        name = event_name(action)
        if caller is None:
            self._audit_refused(service, name, error, headers, source_ip)
            return
        params = {member[:1].lower() + member[1:]: value for member, value in given.items()
                  if member not in BEARER_TOKENS}
        self.service.audit_served_call(caller, name, params, error=error,
                                       source=f"{service}.amazonaws.com")

    def _audit_refused(self, service: str, name: str, error: IamError | None,
                       headers: Mapping[str, str], source_ip: str) -> None:
        call = SERVED_CALL.get()
        if call is not None and call.audited:  # the operation recorded it (web identity)
            return
        admitted, summary = self.refusals.admit(source_ip, self.clock())
        self._summarize(summary)
        if admitted:
            self.service.audit_unauthenticated(name, source=f"{service}.amazonaws.com",
                                               error=error,
                                               access_key_id=claimed_key_id(headers))

    def _summarize(self, summary: Summary | None) -> None:
        if summary is not None:
            self.service.audit_unauthenticated(SUPPRESSED_EVENT, source="iam.amazonaws.com",
                                               error=None, service_event=True,
                                               additional=summary.event_data())

    def refuse_unread(self, headers: Mapping[str, str], source_ip: str, request_id: str,
                      error: IamError) -> tuple[int, bytes]:
        """Audit and answer a request refused before its body was read (too large, or
        no length): no caller and no action to name."""
        info = RequestInfo(source_ip, headers.get("user-agent", ""), request_id, self.secure)
        served = SERVED_CALL.set(ServedCall(info))
        try:
            with self.lock:
                self._audit_refused("iam", event_name(""), error, headers, source_ip)
        except IamError:
            pass  # the refusal is the answer; a trail that cannot take it says so elsewhere
        finally:
            SERVED_CALL.reset(served)
        return protocol.error_xml("iam", error.code, error.message, error.http_status,
                                  request_id)

    def close(self) -> None:
        """Write the summary of refusals left out so far, as the server stops."""
        with self.lock, contextlib.suppress(IamError):
            self._summarize(self.refusals.due(self.clock(), stopping=True))

    def _authenticate(self, method: str, target: str, headers: dict[str, str], body: bytes,
                      service: str) -> Principal:
        svc = self.service
        secrets: dict[str, str] = {}  # the one secret verify looked up, kept for sign-in

        def secret_of(access_key_id: str) -> str:
            secrets[access_key_id] = svc.signing_secret(access_key_id)
            return secrets[access_key_id]

        signed = sigv4.verify(method, target, headers, body, secret_of, service=service,
                              now=self.clock())
        secret = secrets[signed.access_key_id]
        if signed.access_key_id.startswith("ASIA"):
            if not signed.session_token:
                raise InvalidClientTokenId("The security token included in the request is "
                                           "invalid: temporary credentials need "
                                           "X-Amz-Security-Token.")
            return svc.authenticate_session(signed.access_key_id, secret, signed.session_token)
        return svc.authenticate_access_key(signed.access_key_id, secret)

    def _run(self, action: str, given: dict[str, Any],
             caller: Principal | None) -> dict[str, Any]:
        cmd = self.commands.get(action)
        if cmd is None:
            raise protocol.QueryError("InvalidAction", f"The operation {action} is not "
                                      "served by iamtui.")
        args = _namespace(cmd)
        params.merge_cli_input(cmd, args, given, [])
        params.check_required(cmd, args)
        params.normalize_structured(cmd, args)
        served, files = SERVED.set((self.service, caller)), LOCAL_FILES.set(False)
        try:
            data = cmd.handler(args).data
        finally:
            SERVED.reset(served)
            LOCAL_FILES.reset(files)
        keys = aws_model.result_keys(cmd.name)
        if keys is not None:  # the API's own page: Marker and MaxItems, as IAM pages
            data = paging.server_page(data, keys, args.marker,
                                      args.max_items or paging.DEFAULT_MAX_ITEMS)
        return data


# The record of refusals the rate limit left out (iamtui's own event, an AwsServiceEvent)
SUPPRESSED_EVENT = "UnauthenticatedRequestsNotRecorded"
_EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_CLAIMED_KEY = re.compile(r"Credential=([A-Z0-9]{16,128})/")


def event_name(action: str) -> str:
    """The eventName a request's Action gets: itself when it can be an operation's name,
    else "Unknown" (no Action, or text no operation has: never written whole)."""
    return action if _EVENT_NAME.fullmatch(action) else "Unknown"


def claimed_key_id(headers: Mapping[str, str]) -> str | None:
    """The access key ID the Authorization header names, if it looks like one (IAM's
    AccessKeyId pattern): the only part of the header a record keeps."""
    found = _CLAIMED_KEY.search(headers.get("authorization", ""))
    return found.group(1) if found else None


# STS calls AWS takes unsigned: the web identity token or the SAML assertion is the proof
# (an unsigned request to any other action is refused by the command's session).
UNSIGNED_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
# A bearer token proves who holds it for its whole lifetime: no record keeps one
BEARER_TOKENS = frozenset({"WebIdentityToken", "SAMLAssertion"})


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                          errors="strict")
    except UnicodeDecodeError:
        raise protocol.QueryError("MalformedQueryString", "The request body is not UTF-8 "
                                  "form data") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise protocol.QueryError("MalformedQueryString", f"Parameter {key} is given "
                                      "more than once")
        form[key] = value
    return form


def _namespace(cmd: Command) -> argparse.Namespace:
    """The arguments as argparse leaves them when no flag is given (then the request's
    members fill them, as --cli-input-json's do)."""
    args = argparse.Namespace(marker=None, max_items=None, page_size=None, no_paginate=True,
                              starting_token=None, db=None, profile=None, as_root=False)
    for argument in cmd.arguments:
        options = argument.options
        dest = options.get("dest", argument.flags[0].lstrip("-").replace("-", "_"))
        default = options.get("default")
        if options.get("action") == "store_true":
            default = bool(default)
        setattr(args, dest, default)
    return args


def make_handler(served: Served) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to `served`."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "iamtui"
        protocol_version = "HTTP/1.1"
        timeout = REQUEST_TIMEOUT

        def do_POST(self) -> None:
            request_id = str(uuid.uuid4())
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                length = -1
            headers: dict[str, str] = {}
            for name, value in self.headers.items():
                key = name.lower()
                headers[key] = f"{headers[key]},{value}" if key in headers else value
            if not 0 <= length <= MAX_BODY:
                too_large = length > MAX_BODY
                status, body = served.refuse_unread(
                    headers, self.client_address[0], request_id, protocol.QueryError(
                        "RequestEntityTooLarge" if too_large else "MissingParameter",
                        f"The request body must have a Content-Length of at most {MAX_BODY} "
                        "bytes", 413 if too_large else 411))
                self.close_connection = True
                return self._send(status, body, request_id)
            data = self.rfile.read(length)
            status, body = served.handle("POST", self.path, headers, data,
                                         self.client_address[0], request_id)
            self._send(status, body, request_id)

        def _send(self, status: int, body: bytes, request_id: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", request_id)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # the audit log records every call; stderr gets one line per request
            sys.stderr.write(f"{self.client_address[0]} {format % args}\n")

    return Handler


class Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with at most MAX_THREADS requests in progress."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], served: Served,
                 tls: ssl.SSLContext | None = None) -> None:
        self.slots = threading.BoundedSemaphore(MAX_THREADS)
        self.tls = tls
        if ":" in address[0]:  # an IPv6 address (::1)
            self.address_family = socket.AF_INET6
        self.served = served
        super().__init__(address, make_handler(served))

    def server_close(self) -> None:
        """Stop listening, and write what the refusals' rate limit left out."""
        super().server_close()
        self.served.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.slots.acquire()  # back-pressure: the listen queue holds the rest
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            if self.tls is not None:  # the handshake here, so a silent client stalls no one
                request.settimeout(REQUEST_TIMEOUT)
                try:
                    request = self.tls.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    self.shutdown_request(request)
                    return
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class RunningServer:
    """A Server bound to its address and announced in the store's status file. `iamtui
    serve` runs it in its main thread, the TUI's Server screen in a thread of its own;
    `close` stops it and removes the status file. ServerAlreadyRunning when a live server
    announces itself for the store already (nothing is left bound then)."""

    def __init__(self, service: IamService, host: str, port: int,
                 tls: ssl.SSLContext | None = None, ca_bundle: str | None = None) -> None:
        self.service = service
        service.check_no_server(os.getpid())  # before binding: say why, not "in use"
        try:
            self.server = Server((host, port), Served(service, secure=tls is not None), tls)
        except OSError as error:  # taken, or not an address of this machine
            raise InvalidInput(f"Cannot listen on {host}:{port}: "
                               f"{error.strerror or error}.") from None
        bound_host, bound_port = self.server.server_address[:2]
        self.status = ServerStatus(os.getpid(), str(bound_host), int(bound_port),
                                   tls is not None, datetime.now(UTC), ca_bundle)
        try:
            service.announce_server(self.status)
        except BaseException:
            self.server.server_close()
            raise
        self._thread: threading.Thread | None = None

    def serve_in_thread(self) -> None:
        """Answer requests from a daemon thread until `close`."""
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name=f"iamtui serve {self.status.url}")
        self._thread.start()

    def close(self) -> None:
        """Stop answering, free the address, and remove the status file."""
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(10)
            self._thread = None
        self.server.server_close()
        self.service.withdraw_server(self.status)


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_BODY", "RunningServer", "Served", "Server",
           "endpoint_lines", "make_handler"]
