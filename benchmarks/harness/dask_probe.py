"""Whether a dask scheduler answers at an address, told within seconds whatever listens there.

:func:`probe_scheduler` reads the handshake a dask server sends first (or
connects through dask's own comms for tls://, ws://...), in a thread given
a deadline, so that an SSH banner, a silent HTTP server or a stalled
process is refused with one line instead of a hang.
:mod:`~benchmarks.harness.dask_backend` re-exports it and connects after it.
"""

import asyncio
import contextlib
import socket
import sys
import threading
import time

__all__ = ["probe_scheduler", "no_scheduler_error", "error_line", "CONNECT_TIMEOUT",
           "HANDSHAKE_TIMEOUT"]

#: Seconds a refused connection to a scheduler's address is tried again (one starting up).
CONNECT_TIMEOUT = 10
#: Seconds the server at a scheduler's address has to send its dask handshake once connected.
HANDSHAKE_TIMEOUT = 5
# A dask handshake is a few hundred bytes; the first 8 bytes of a server speaking
# another protocol ("SSH-2.0-") read as a length of exabytes.
_MAX_HANDSHAKE = 1 << 20


def error_line(exc):
    """``"TypeName: first line of the message"``: an exception said in one line.

    Examples
    --------
    >>> error_line(ValueError("bad port\\nmore")), error_line(TimeoutError())
    ('ValueError: bad port', 'TimeoutError')
    """
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}".rstrip(": ")


class _NotDask(Exception):
    """Why the server at an address is no dask scheduler, in a few words."""


def _receive(sock, count, end, got=b""):
    """``got`` and what ``sock`` sends next, up to ``count`` bytes, until it closes or ``end``.

    Returns the bytes and whether the server closed the connection.
    """
    while len(got) < count:
        left = end - time.monotonic()
        if left <= 0:
            return got, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(count - len(got))
        except TimeoutError:
            continue
        if not chunk:
            return got, True
        got += chunk
    return got, False


def _tcp_handshake(host, port):
    """Read the handshake a dask server sends as soon as it accepts a connection.

    A dask scheduler (or worker) writes its handshake first: 8 bytes giving
    the length of the message that follows, then the message, whose first 8
    bytes count its frames. Anything else (an SSH banner, silence from an
    HTTP server that waits for a request) is no dask scheduler. The
    server's handshake is sent back so that it logs no broken connection.
    """
    end = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=max(end - time.monotonic(), .1))
            break
        except ConnectionRefusedError as exc:  # tried again: a scheduler may be starting
            if time.monotonic() >= end:
                raise _NotDask(f"nothing listens there (connection refused for "
                               f"{CONNECT_TIMEOUT:g} s)") from exc
            time.sleep(0.1)
        except OSError as exc:  # no answer, an unknown host, no route
            raise _NotDask(f"could not connect ({exc.strerror or exc or type(exc).__name__})"
                           ) from exc
    with sock:
        end = time.monotonic() + HANDSHAKE_TIMEOUT
        got, closed = _receive(sock, 8, end)
        size = int.from_bytes(got[:8], sys.byteorder)
        if len(got) == 8 and 16 <= size <= _MAX_HANDSHAKE:
            got, closed = _receive(sock, 8 + size, end, got)
            frames = int.from_bytes(got[8:16], sys.byteorder)
            if len(got) == 8 + size and 1 <= frames and 8 * (1 + frames) <= size:
                with contextlib.suppress(OSError):
                    sock.sendall(got)
                return
        if got:  # the rest of its first line, for the message
            got, _ = _receive(sock, 61, min(end, time.monotonic() + 0.2), got)
    if got:
        more = "..." if len(got) > 60 else ""
        raise _NotDask(f"it sent {bytes(got[:60])!r}{more}, not a dask handshake (is it "
                       f"another kind of server, SSH or HTTP?)")
    if closed:
        raise _NotDask("it closed the connection without sending a dask handshake")
    raise _NotDask(f"it accepted the connection but sent no dask handshake within "
                   f"{HANDSHAKE_TIMEOUT:g} s (a dask scheduler sends one at once)")


def _comm_handshake(address):
    """Connect to ``address`` through dask's own comms (tls://, ws://...) and close."""
    from distributed.comm import connect as comm_connect
    from distributed.security import Security

    async def handshake():
        comm = await comm_connect(address, timeout=CONNECT_TIMEOUT,
                                  **Security().get_connection_args("client"))
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(handshake(), CONNECT_TIMEOUT + HANDSHAKE_TIMEOUT))
    except (asyncio.TimeoutError, TimeoutError) as exc:
        raise _NotDask(f"no dask handshake within {CONNECT_TIMEOUT + HANDSHAKE_TIMEOUT:g} s"
                       ) from exc


def no_scheduler_error(option, address, why):
    """The OSError saying that no dask scheduler answers at ``address``, and ``why``.

    Examples
    --------
    >>> error = no_scheduler_error("--scheduler", "tcp://h:1", "nothing listens there")
    >>> str(error).split(". ")[0]
    '--scheduler: no dask scheduler at tcp://h:1: nothing listens there'
    """
    return OSError(f"{option}: no dask scheduler at {address}: {why}. Start one with "
                   f"'dask scheduler' and workers with 'dask worker ADDRESS', or use "
                   f"{option} local:N for N worker processes on this machine.")


def probe_scheduler(address, option="--scheduler"):
    """Check that a dask server answers at ``address``, in seconds, whatever listens there.

    A refused connection is tried again for :data:`CONNECT_TIMEOUT` seconds
    (a scheduler may be starting); once connected, the server has
    :data:`HANDSHAKE_TIMEOUT` seconds to send its dask handshake. The whole
    check runs in a thread given that long (and a second), so that no server
    and no name lookup can hang the run.

    Raises
    ------
    OSError
        ``"{option}: no dask scheduler at {address}: {why}. Start one..."``
        where nothing speaking dask answers: nothing listens, the server
        stays silent (an HTTP server, a stalled process), or it speaks
        another protocol (an SSH banner).
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    outcome = {}

    def attempt():
        try:
            scheme, location = parse_address(address)
            if scheme == "tcp":
                _tcp_handshake(*parse_host_port(location, 8786))
            else:
                _comm_handshake(address)
            outcome["why"] = None
        except _NotDask as exc:
            outcome["why"] = str(exc)
        except Exception as exc:  # whatever a malformed address or a strange server raises
            outcome["why"] = error_line(exc)

    seconds = CONNECT_TIMEOUT + HANDSHAKE_TIMEOUT
    thread = threading.Thread(target=attempt, name="featbench-probe", daemon=True)
    thread.start()
    thread.join(seconds + 1)
    why = outcome.get("why", f"no dask handshake within {seconds:g} s")
    if why is not None:
        raise no_scheduler_error(option, address, why)
