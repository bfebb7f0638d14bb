"""Running the store on uvicorn: in the foreground for the CLI, in a thread for tests and demos."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from demo_store.config import StoreConfig
from demo_store.shop import Shop

__all__ = ["ServerThread", "bind", "serve"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back from getsockname)."""
    from keepword.errors import BadInput, listen_error

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux. Without it a keep-alive client waits ~40 ms per
    # request (Nagle on the response parts against the client's delayed ACK): measured 44 ms -> 1.5 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(listen_error(host, port, exc)) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _server(shop: Shop, *, log_level: str) -> Any:
    import uvicorn

    from demo_store.app import build_app

    config = uvicorn.Config(build_app(shop), log_level=log_level, lifespan="off", access_log=False,
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def serve(config: StoreConfig, *, host: str = "127.0.0.1", port: int = 0,
          on_ready: Callable[[str, Shop], None] | None = None, log_level: str = "warning") -> None:
    """Run the store until interrupted. `on_ready(url, shop)` is called once it listens."""
    from demo_store.app import build_shop

    shop = build_shop(config)
    sock = bind(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}/"
    server = _server(shop, log_level=log_level)
    if on_ready is not None:
        on_ready(url, shop)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its graceful shutdown; stopping is the normal end
    finally:
        sock.close()
        shop.fulfilment.close()


class ServerThread:
    """The store served from a background thread (uvicorn skips signal handlers off the main
    thread, so Ctrl-C in a test run still reaches pytest)."""

    def __init__(self, shop: Shop, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.shop = shop
        self._sock = bind(host, port)
        self.url = f"http://{host}:{self._sock.getsockname()[1]}/"
        self._server = _server(shop, log_level=log_level)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"demo-store {self.url}", daemon=True)

    def __repr__(self) -> str:
        return f"<ServerThread {self.url}>"

    def start(self, timeout: float = 10.0) -> None:
        from keepword.errors import HarnessError

        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise HarnessError(f"the demo store did not start at {self.url}", url=self.url)
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        self.shop.fulfilment.close()


def config_from(value: StoreConfig | dict[str, Any] | str | Path | None) -> StoreConfig:
    """A StoreConfig from a config, a dict (validated), or a YAML path (loaded)."""

    from demo_store.config import load_config

    if isinstance(value, StoreConfig):
        return value
    if isinstance(value, dict):
        from pydantic import ValidationError

        from keepword.errors import BadInput

        try:
            return StoreConfig.model_validate(value)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"]) or "(top)"
            raise BadInput(f"store config: {field}: {first['msg']}") from None
    if isinstance(value, str | Path):
        return load_config(value)
    return StoreConfig()
