"""Hostile answers: what a broken or malicious API (or a proxy in front of it) can send.

huge_body      a body of `size` bytes (default 500 MB), sent as fast as the client reads;
               chunked unless `declare_length` is true.
endless_body   a chunked body that never ends.
trickle_body   the normal answer, one byte every `seconds` (default 5).
trickle_head   the normal answer, its status line and headers one byte every `seconds`.
gzip_bomb      a 200 of `size` bytes once decompressed (default 1 GB), a few MB on the wire
               with Content-Encoding: gzip.
deep_json      a 200 whose JSON nests `levels` deep (default 100 000).
hostile_error  an error answer (`status`, default 400) whose code and message hold lone
               surrogates, control characters and a forged log line; with `distinct` true
               every answer carries a new code, as an API could to add series without end.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import threading
from collections.abc import Callable, Iterator

from .faults import Fault
from .reply import Reply, json_reply

KINDS = frozenset(
    {
        "huge_body",
        "endless_body",
        "trickle_body",
        "trickle_head",
        "gzip_bomb",
        "deep_json",
        "hostile_error",
    }
)
BLOCK = 1024 * 1024
HOSTILE_CODE = "Bad\ud800Code\n\x1b[31m"
HOSTILE_MESSAGE = 'line one\nlevel=error msg="forged" \ud800 \x00\x1b[2J' + "x" * 5000

_PREFIX = b'{"data":{"defectConnection":{"edges":['
_NODE = b'{"node":{"id":"d","name":"Congested"}},'
_serial = itertools.count(1)


def _blocks(total: int | None) -> Iterator[bytes]:
    """`total` bytes (None: without end) of a JSON-looking page, reusing one block."""
    block = (_PREFIX + _NODE * (BLOCK // len(_NODE)))[:BLOCK]
    sent = 0
    while total is None or sent < total:
        piece = block if total is None else block[: total - sent]
        sent += len(piece)
        yield piece


@functools.lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    """`size` bytes once decompressed: one gzip member per block, the same member repeated
    (a gzip stream may hold many members, and clients must read them all)."""
    member = gzip.compress(next(_blocks(BLOCK)), 9)
    count, rest = divmod(size, BLOCK)
    tail = gzip.compress(next(_blocks(rest)), 9) if rest else b""
    return member * count + tail


def reply(
    fault: Fault, target: str, normal: Callable[[], Reply | None], stop: threading.Event
) -> Reply:
    kind, params = fault.kind, fault.params
    if kind == "huge_body":
        size = int(params.get("size", 500_000_000))
        length = size if params.get("declare_length") else None
        return Reply(200, b"", stream=lambda: _blocks(size), length=length)
    if kind == "endless_body":
        return Reply(200, b"", stream=lambda: _blocks(None))
    if kind == "trickle_body":
        answer = normal() or json_reply(200, {"data": None})
        seconds = float(params.get("seconds", 5.0))
        body = answer.body

        def trickle() -> Iterator[bytes]:
            for index in range(len(body)):
                if index and stop.wait(seconds):
                    return
                yield body[index : index + 1]

        return Reply(answer.status, b"", dict(answer.headers), stream=trickle, length=len(body))
    if kind == "trickle_head":
        answer = normal() or json_reply(200, {"data": None})
        seconds = float(params.get("seconds", 5.0))
        return Reply(answer.status, answer.body, dict(answer.headers), head_delay=seconds)
    if kind == "gzip_bomb":
        body = _gzip_bomb(int(params.get("size", 1_000_000_000)))
        return Reply(200, body, {"Content-Encoding": "gzip"})
    if kind == "deep_json":
        levels = int(params.get("levels", 100_000))
        body = b'{"data":{"defectConnection":' + b"[" * levels + b"]" * levels + b"}}"
        return Reply(200, body)
    code = str(params.get("code", HOSTILE_CODE))
    if params.get("distinct"):
        code = f"{code}_{next(_serial)}"
    status = int(params.get("status", 400))
    return json_reply(
        status, {"error": code, "message": str(params.get("message", HOSTILE_MESSAGE))}
    )
