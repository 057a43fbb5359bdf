"""A local OpenAI-compatible `/v1/chat/completions` server that misbehaves on request, for the teacher client's
tests and benchmark.

Faults are asked for inside the request's messages, so each request carries its own script and the server needs
no setup per test (and works the same from another process):

- `@fault:KIND*N` (N defaults to 1): the first N attempts of this request body fail with KIND, one of the
  transient faults `429`, `500`, `502`, `503`, `504`, `hang` (sleep past the client's timeout) and `reset`
  (close the connection with a TCP RST, no answer). Several transient directives run one after another.
- `@fault:KIND` for the answer once the transient faults are spent: `400`, `401`, `404` (an error every time),
  `malformed` (truncated JSON), `nochoices` (an object without choices), `length` (finish_reason "length"),
  `reasoning` (a `reasoning_content` field), `reasoning-field` (the same in `reasoning`, as vLLM >= 0.10 sends).
- `@retry-after:S` (seconds) or `@retry-after:date+S` (an HTTP date S seconds ahead): the Retry-After of 429/503.
- `@tokens:N`: completion tokens to report (default `completion_tokens` of the server).
- `@sleep:S`: wait S seconds before answering (on top of the server's `latency_s`).

Every attempt is recorded (monotonic arrival time, sha256 of the body, the messages' text), so tests can count
requests per body or per prompt and check their spacing; `GET /stats` returns the counters and the server's CPU
time as JSON.

Run in a thread of the test process with `FaultServer().start()`, or as its own process (the benchmark):
`python tests/fault_server.py --latency 0.5` prints `PORT <n>` and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from email.utils import formatdate

from aiohttp import web

TRANSIENT = {"429", "500", "502", "503", "504", "hang", "reset"}
ANSWERS = {"400", "401", "404", "malformed", "nochoices", "length", "reasoning", "reasoning-field", "ok"}
_DIRECTIVE = re.compile(r"@(fault|retry-after|tokens|sleep):([\w.+-]+)(?:\*(\d+))?")


class FaultServer:
    """The server. `latency_s` delays every answer (the benchmark's fixed per-request latency)."""

    def __init__(self, latency_s: float = 0.0, hang_s: float = 30.0, completion_tokens: int = 16, port: int = 0):
        self.latency_s = latency_s
        self.hang_s = hang_s
        self.completion_tokens = completion_tokens
        self.port = port
        self.arrivals: list[tuple[float, str, str]] = []  # (time.monotonic(), body sha256, text) of every attempt
        self.per_body: Counter[str] = Counter()  # attempts per body
        self.per_prompt: Counter[str] = Counter()  # attempts per messages text (content joined by newlines)
        self.authorizations: Counter[str] = Counter()  # Authorization headers seen
        self.answered: Counter[str] = Counter()  # 200 answers per body
        self.by_kind: Counter[str] = Counter()  # what the server did
        self._closing: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- the app -----------------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/stats", self._stats)
        app.router.add_get("/v1/models", self._models)
        return app

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fault-model", "object": "model"}]})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    def snapshot(self) -> dict:
        return {
            "requests": len(self.arrivals),
            "bodies": len(self.per_body),
            "answered": sum(self.answered.values()),
            "by_kind": dict(self.by_kind),
            "cpu_s": time.process_time(),
        }

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        arrived = time.monotonic()
        body_hash = hashlib.sha256(raw).hexdigest()
        self.per_body[body_hash] += 1
        attempt = self.per_body[body_hash]
        self.authorizations[request.headers.get("Authorization", "")] += 1
        try:
            body = json.loads(raw)
            messages = body["messages"]
            text = "\n".join(str(m.get("content") or "") for m in messages)
        except (ValueError, KeyError, TypeError, AttributeError):
            self.arrivals.append((arrived, body_hash, ""))
            return web.json_response({"error": {"message": "body is not a chat completion request"}}, status=400)
        self.arrivals.append((arrived, body_hash, text))
        self.per_prompt[text] += 1
        transient, answer, retry_after, tokens, sleep_s = self._script(text)
        kind = answer
        for fault, count in transient:
            if attempt <= count:
                kind = fault
                break
            attempt -= count
        self.by_kind[kind] += 1
        if self.latency_s or sleep_s:
            await asyncio.sleep(self.latency_s + sleep_s)
        return await self._answer(request, kind, body, body_hash, text, retry_after, tokens)

    def _script(self, text: str) -> tuple[list[tuple[str, int]], str, str | None, int, float]:
        transient: list[tuple[str, int]] = []
        answer, retry_after, tokens, sleep_s = "ok", None, self.completion_tokens, 0.0
        for name, value, count in _DIRECTIVE.findall(text):
            if name == "fault" and value in TRANSIENT:
                transient.append((value, int(count or 1)))
            elif name == "fault" and value in ANSWERS:
                answer = value
            elif name == "retry-after":
                retry_after = value
            elif name == "tokens":
                tokens = int(value)
            elif name == "sleep":
                sleep_s = float(value)
        return transient, answer, retry_after, tokens, sleep_s

    async def _answer(
        self,
        request: web.Request,
        kind: str,
        body: dict,
        body_hash: str,
        text: str,
        retry_after: str | None,
        tokens: int,
    ) -> web.StreamResponse:
        if kind in {"429", "500", "502", "503", "504", "400", "401", "404"}:
            headers = {}
            if retry_after is not None and kind in {"429", "503"}:
                if retry_after.startswith("date+"):
                    headers["Retry-After"] = formatdate(time.time() + float(retry_after[5:]), usegmt=True)
                else:
                    headers["Retry-After"] = retry_after
            error = {"error": {"message": f"injected {kind}", "type": "fault", "code": kind}}
            return web.json_response(error, status=int(kind), headers=headers)
        if kind == "hang":
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=self.hang_s)
            return web.json_response({"error": {"message": "hung"}}, status=504)
        if kind == "reset":
            transport = request.transport
            if transport is not None:
                sock = transport.get_extra_info("socket")
                if sock is not None:  # SO_LINGER 0: close() sends RST instead of FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            raise asyncio.CancelledError  # nothing more to write on this connection
        if kind == "malformed":
            return web.Response(
                body=b'{"id": "x", "choices": [{"message": {"content": "tru', content_type="application/json"
            )
        if kind == "nochoices":
            return web.json_response({"id": "x", "object": "chat.completion", "choices": []})
        self.answered[body_hash] += 1
        message: dict = {"role": "assistant", "content": f"answer {body_hash[:16]}"}
        reasoning_tokens = 0
        if kind in {"reasoning", "reasoning-field"}:
            field = "reasoning_content" if kind == "reasoning" else "reasoning"
            message[field] = f"let me think about {body_hash[:8]}"
            reasoning_tokens = tokens // 2
        prompt_tokens = max(1, len(text) // 4)
        return web.json_response(
            {
                "id": f"chatcmpl-{body_hash[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [
                    {"index": 0, "message": message, "finish_reason": "length" if kind == "length" else "stop"}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": tokens,
                    "total_tokens": prompt_tokens + tokens,
                    "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
                },
            }
        )

    # -- running it -------------------------------------------------------------------------------------------

    async def _serve(self) -> None:
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=4096)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def start(self) -> FaultServer:
        """Serve from a daemon thread of this process; returns once the port is bound."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._shutdown())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fault-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--completion-tokens", type=int, default=16)
    args = parser.parse_args()
    server = FaultServer(latency_s=args.latency, completion_tokens=args.completion_tokens, port=args.port)

    async def serve_forever() -> None:
        await server._serve()
        print(f"PORT {server.port}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever())


if __name__ == "__main__":
    main()
