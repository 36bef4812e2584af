"""A TCP relay on 127.0.0.1 in front of a real server: the network between a service and its
database, which a test can cut and restore. Bytes pass unchanged both ways.

`cut()` drops every open connection and closes each new one as soon as it is accepted (as a
server that went away would), until `restore()`. `stall()` keeps every connection open but passes
no byte either way, and new ones are accepted and left waiting (a hung server, or a network that
drops packets), until `resume()`: then the held bytes go through.

Faults aimed at one statement (a marker is bytes of the SQL a client sends, as the protocol carries
it): `lose_reply(after, to, then_cut)` lets a connection that has sent `after` send its next `to` (e.g. a
COMMIT) to the server, then drops the server's reply and that connection (the statement ran, the
client never learns it); `cut_on(marker)` drops the connection that sends `marker` before it
reaches the server; `stall_on(marker)` stalls the relay (`stall()`) when `marker` is sent, before
it goes through. Each fires once."""
from __future__ import annotations

import asyncio


class TcpRelay:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.down = False
        self.accepted = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0
        self._lose: tuple[bytes, bytes] | None = None
        self._cut_after_loss = False
        self._cut_on: bytes | None = None
        self._stall_on: bytes | None = None

    async def start(self) -> "TcpRelay":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.cut()
        self.resume()
        self._server.close()
        await self._server.wait_closed()

    def cut(self) -> None:
        self.down = True
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self.down = False

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    @property
    def stalled(self) -> bool:
        return not self._flowing.is_set()

    def lose_reply(self, after: bytes, to: bytes = b"COMMIT", then_cut: bool = False) -> None:
        """`then_cut`: once the reply is dropped, `cut()` (the database stays out of reach)."""
        self._lose = (after, to)
        self._cut_after_loss = then_cut

    @property
    def armed(self) -> bool:
        """A statement fault (lose_reply, cut_on, stall_on) is set and has not fired yet."""
        return bool(self._lose or self._cut_on or self._stall_on)

    def cut_on(self, marker: bytes) -> None:
        self._cut_on = marker

    def stall_on(self, marker: bytes) -> None:
        self._stall_on = marker

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.down:
            writer.transport.abort()
            return
        await self._flowing.wait()
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        conn = {"seen": False, "lose_next_reply": False}
        await asyncio.gather(self._pipe(reader, up_writer, conn, upstream=True),
                             self._pipe(up_reader, writer, conn, upstream=False))

    def _cut_here(self, data: bytes, conn: dict) -> bool:
        """Fire the statement faults that bytes a client sends trigger; True: drop the connection."""
        if self._stall_on and self._stall_on in data:
            self._stall_on = None
            self.stall()
        if self._cut_on and self._cut_on in data:
            self._cut_on = None
            return True
        if self._lose:
            after, to = self._lose
            if conn["seen"] and to in data:
                self._lose = None
                conn["lose_next_reply"] = True
            elif after in data:
                conn["seen"] = True
        return False

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: dict,
                    upstream: bool) -> None:
        try:
            while data := await reader.read(65536):
                if upstream and self._cut_here(data, conn):
                    break
                await self._flowing.wait()
                if not upstream and conn["lose_next_reply"]:
                    if self._cut_after_loss:
                        self.cut()
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
