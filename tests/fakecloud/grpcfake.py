"""A gRPC server on 127.0.0.1 serving a fake's methods, as the real clients' stubs call them.

A fake registers ``{"CreateTask": (handler, RequestType, ResponseType)}`` for its service
name; requests arrive as the proto-plus types the real client serialised, and a handler
answers with the response type, or raises :class:`Abort` with a gRPC status code, which the
real client turns into the matching ``google.api_core.exceptions`` error (ALREADY_EXISTS is
``AlreadyExists``, and so on).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent import futures
from typing import Any, Self

import grpc


class Abort(Exception):
    """Answer the call with a gRPC error status."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Method = tuple[Callable[[Any], Any], Any, Any]


class GrpcFake:
    """Serve ``methods`` of ``service`` on a free loopback port (context manager)."""

    def __init__(self, service: str, methods: Mapping[str, Method]) -> None:
        self.service = service
        self.methods = dict(methods)
        self._server: grpc.Server | None = None
        self.port = 0
        #: (method, request) of every call, in order.
        self.calls: list[tuple[str, Any]] = []

    def _handler(self, name: str, method: Method) -> grpc.RpcMethodHandler:
        fn, request_type, response_type = method

        def serve(request: Any, context: grpc.ServicerContext) -> Any:
            self.calls.append((name, request))
            try:
                return fn(request)
            except Abort as exc:
                context.abort(exc.code, exc.message)

        return grpc.unary_unary_rpc_method_handler(
            serve,
            request_deserializer=request_type.deserialize,
            response_serializer=response_type.serialize,
        )

    def start(self) -> Self:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handlers = {name: self._handler(name, m) for name, m in self.methods.items()}
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(self.service, handlers),)
        )
        self.port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``, for ``SHEETSYNC_FLEET_TASKS_ENDPOINT`` and the like."""
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
