"""A WebSocket client for zcluster's (and Zeek's) /v1/messages/json API, written from the spec
with Debian's python3-websockets only. Subscribes, prints every message it gets as a JSON line,
publishes one event, and exits after receiving every event named by --expect (or a timeout).

With --zeekpy it speaks exactly as zeekpy (zeek-websocket's Python Client) does: an
X-Application-Name header, every frame sent as a binary frame, events with an empty metadata
vector, and the first message received must be the ack (zeekpy fails with "bad ack received"
otherwise; this client exits 3).

usage: ws_client.py URL --topics T [T ...] --expect NAME [NAME ...]
                    [--publish TOPIC NAME STRING_ARG] [--zeekpy APP_NAME]
"""
import argparse
import asyncio
import json
import sys

import websockets


def event(topic, name, arg, with_metadata):
    inner = [
        {"@data-type": "string", "data": name},
        {"@data-type": "vector", "data": [{"@data-type": "string", "data": arg}]},
    ]
    if with_metadata:
        inner.append({"@data-type": "vector", "data": []})
    return {
        "type": "data-message",
        "topic": topic,
        "@data-type": "vector",
        "data": [
            {"@data-type": "count", "data": 1},
            {"@data-type": "count", "data": 1},
            {"@data-type": "vector", "data": inner},
        ],
    }


async def run(args):
    headers = {"X-Application-Name": args.zeekpy} if args.zeekpy else None
    binary = args.zeekpy is not None

    async def send(obj):
        text = json.dumps(obj)
        await ws.send(text.encode() if binary else text)

    async with websockets.connect(args.url, extra_headers=headers) as ws:
        await send(args.topics)
        first = json.loads(await ws.recv())
        print(json.dumps({"kind": "first", "msg": first}), flush=True)
        if first.get("type") != "ack":
            print(json.dumps({"kind": "bad ack received"}), flush=True)
            return 3
        if args.publish:
            topic, name, arg = args.publish
            await send(event(topic, name, arg, binary))
            print(json.dumps({"kind": "published", "name": name}), flush=True)
        missing = set(args.expect)
        while missing:
            msg = json.loads(await ws.recv())
            name = None
            if msg.get("type") == "data-message":
                name = msg["data"][2]["data"][0]["data"]
            print(json.dumps({"kind": "message", "name": name, "msg": msg}), flush=True)
            missing.discard(name)
        return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--topics", nargs="+", required=True)
    p.add_argument("--expect", nargs="+", required=True)
    p.add_argument("--publish", nargs=3)
    p.add_argument("--zeekpy", metavar="APP_NAME")
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    try:
        return asyncio.run(asyncio.wait_for(run(args), args.timeout))
    except asyncio.TimeoutError:
        print(json.dumps({"kind": "timeout"}), flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
