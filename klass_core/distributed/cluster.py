"""Importing Ray lazily and connecting to a cluster with clear errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from urllib.parse import urlsplit

__all__ = ["RayNotInstalledError", "connect", "import_ray"]

#: How long to wait for a TCP answer from a given head node before giving up.
REACH_TIMEOUT_S = 5.0


class RayNotInstalledError(ImportError):
    """Ray is missing: the ``ray`` extra of klass is not installed."""


def import_ray() -> ModuleType:
    """``ray`` itself, or :class:`RayNotInstalledError` naming the extra to install."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayNotInstalledError(
            f"scale-out needs Ray Data, which is not installed ({exc}); "
            "install the ray extra: pip install 'klass[ray]'"
        ) from exc
    return ray


def check_reachable(address: str, timeout: float = REACH_TIMEOUT_S) -> None:
    """Fail fast, with a clear message, when nothing answers at ``address`` (``host:port``
    or ``ray://host:port``), instead of waiting for Ray's own long connection timeout."""
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise ValueError(
            f"ray address {address!r} is not HOST:PORT or ray://HOST:PORT "
            "(e.g. 10.0.0.5:6379, the address `ray start --head` prints), or 'auto'"
        )
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(
            f"cannot reach the Ray head node at {address} ({exc}); start it with "
            "`ray start --head` on that machine, or fix the address (--ray-address)"
        ) from None


@contextmanager
def connect(address: str | None) -> Iterator[ModuleType]:
    """Yield ``ray`` connected to a cluster.

    A Ray session already open in this process is used as it is. Otherwise ``address=None``
    starts a local cluster on this machine, ``"auto"`` joins the cluster this machine belongs
    to, and ``HOST:PORT`` / ``ray://HOST:PORT`` joins the head node there; a session opened
    here is closed on exit.
    """
    ray = import_ray()
    if ray.is_initialized():
        if address is not None:
            raise ValueError(
                f"address={address!r}, but a Ray session is already open in this process; "
                "pass address=None to use it, or call ray.shutdown() first"
            )
        yield ray
        return
    if address not in (None, "auto"):
        check_reachable(address)
    try:
        ray.init(address=address, **({"include_dashboard": False} if address is None else {}))
    except ConnectionError as exc:
        raise ConnectionError(f"cannot join the Ray cluster at {address}: {exc}") from None
    try:
        yield ray
    finally:
        ray.shutdown()
