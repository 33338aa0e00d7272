"""A WebSocket client for zcluster's (and Zeek's) /v1/messages/json API, written from the spec
with Debian's python3-websockets only. Subscribes, prints every message it gets as a JSON line,
publishes one event, and exits after receiving an event named by --expect (or a timeout).

usage: ws_client.py URL --topics T [T ...] --expect NAME [--publish TOPIC NAME STRING_ARG]
"""
import argparse
import asyncio
import json
import sys

import websockets


def event(topic, name, arg):
    return {
        "type": "data-message",
        "topic": topic,
        "@data-type": "vector",
        "data": [
            {"@data-type": "count", "data": 1},
            {"@data-type": "count", "data": 1},
            {"@data-type": "vector", "data": [
                {"@data-type": "string", "data": name},
                {"@data-type": "vector", "data": [{"@data-type": "string", "data": arg}]},
            ]},
        ],
    }


async def run(args):
    async with websockets.connect(args.url) as ws:
        await ws.send(json.dumps(args.topics))
        ack = json.loads(await ws.recv())
        print(json.dumps({"kind": "ack", "msg": ack}), flush=True)
        if ack.get("type") != "ack":
            return 1
        if args.publish:
            topic, name, arg = args.publish
            await ws.send(json.dumps(event(topic, name, arg)))
            print(json.dumps({"kind": "published", "name": name}), flush=True)
        while True:
            msg = json.loads(await ws.recv())
            name = None
            if msg.get("type") == "data-message":
                name = msg["data"][2]["data"][0]["data"]
            print(json.dumps({"kind": "message", "name": name, "msg": msg}), flush=True)
            if name == args.expect:
                return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--topics", nargs="+", required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--publish", nargs=3)
    p.add_argument("--timeout", type=float, default=20)
    args = p.parse_args()
    try:
        return asyncio.run(asyncio.wait_for(run(args), args.timeout))
    except asyncio.TimeoutError:
        print(json.dumps({"kind": "timeout"}), flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
