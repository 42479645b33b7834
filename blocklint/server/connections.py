"""Connections that cannot hold the server: read deadlines counted on each socket.

uvicorn times out a connection only while it is idle between requests. A client that opens a
connection and sends nothing, or sends a request's headers a byte every few seconds, or stops
half-way through a body (slowloris), holds its connection for ever; two hundred of them hold
the server. The ASGI application cannot help: it sees a request only once its headers are
complete. So the deadlines live in the HTTP protocol, per connection, counted from the socket:

- the headers of a request must arrive whole within `read_seconds` of its first byte (or of
  the connection opening, for the first request);
- a body may pause at most `read_seconds` between two reads, and must arrive whole within
  `read_seconds` plus one second per `MIN_BODY_BYTES_PER_SECOND` of its declared length (of
  the upload limit when it has none);
- while the server is the one working (handling a request, or reading paused because the
  application has not taken what arrived), no deadline runs; between requests uvicorn's own
  keep-alive timeout (`read_seconds` too) applies.

A connection past a deadline is closed. The number of connections is capped separately
(`serve --max-connections`: uvicorn answers 503 beyond it).
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

MIN_BODY_BYTES_PER_SECOND = 64 * 1024


def timed_protocol(read_seconds: float, max_body_bytes: int) -> type:
    """uvicorn's h11 protocol with the read deadlines above."""

    class TimedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._deadline = None  # the loop time the current request must be read by
            self._timer = None
            self._start(read_seconds)

        def connection_lost(self, exc) -> None:
            self._stop()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.IDLE:  # headers on their way: their deadline runs from the first byte
                if self._deadline is None:
                    self._start(read_seconds)
            elif state is h11.SEND_BODY:
                if self._deadline is None or not self._reading_body:
                    self._start(read_seconds + self._body_length() / MIN_BODY_BYTES_PER_SECOND)
                    self._reading_body = True
                self._rearm()  # the pause allowed between two reads starts again
            else:  # the request is read: the server works, or the connection is over
                self._stop()

        def on_response_complete(self) -> None:
            self._stop()
            super().on_response_complete()

        _reading_body = False

        def _body_length(self) -> int:
            for name, value in self.headers or ():
                if name == b"content-length" and value.strip().isdigit():
                    return min(int(value), max_body_bytes)
            return max_body_bytes

        def _start(self, seconds: float) -> None:
            self._stop()
            self._deadline = self.loop.time() + seconds
            self._rearm()

        def _rearm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
            wait = min(read_seconds, self._deadline - self.loop.time())
            self._timer = self.loop.call_later(max(wait, 0), self._expired)

        def _stop(self) -> None:
            if getattr(self, "_timer", None) is not None:
                self._timer.cancel()
            self._timer = self._deadline = None
            self._reading_body = False

        def _expired(self) -> None:
            self._timer = None
            if self.transport.is_closing() or self._deadline is None:
                return
            if self.flow.read_paused:  # the application has not taken what came: not the client's delay
                self._deadline += read_seconds
                self._rearm()
                return
            self.transport.close()

    return TimedH11Protocol
