#!/usr/bin/python3
"""An independent "Zeek" node for interop tests, written from the wire spec alone.

It joins a Zeek 8.x ZeroMQ cluster (or zcluster) the way a Zeek node does
(/work/shared/spec/zeek-zeromq-wire.md sections 1.3, 2, 3) using only
python3-zmq and the standard library: an XSUB connected to the proxy XPUB, a
verbose XPUB connected to the proxy XSUB, the four start-up subscriptions, the
hello state machine, and hand-built broker-bin-v1 / broker-json-v1 payloads
(broker_wire.py, beside this file).

Every observation goes to stdout as one JSON object per line, e.g.
  {"kind": "node_up", "name": "manager", "id": "zeromq_manager_..."}
  {"kind": "event", "name": "X::y", "sender": "...", "topic": "...", "args": [...]}
Values are typed pairs (see broker_wire.py), as are the --send arguments.

Exit status: 0 after --exit-on arrived (and every --send went out), 2 on
--timeout, 1 on a usage error. --check-capture FILE instead decodes and
re-encodes every event of a capture file and exits 0 when all bytes match.
"""

import argparse
import json
import os
import random
import socket
import sys
import time

import zmq

from broker_wire import bin_decode, bin_encode, decode_event, encode_event

NODE_TOPIC_PREFIX = "zeek.cluster.node"
NODEID_TOPIC_PREFIX = "zeek.cluster.nodeid"
ZEROMQ_HELLO = "Cluster::Backend::ZeroMQ::hello"
CLUSTER_HELLO = "Cluster::hello"
HELLO_EXPIRATION_S = 10.0
FORMATS = {"bin": "broker-bin-v1", "json": "broker-json-v1"}
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# ---------------------------------------------------------------- the node (spec 1.3, 2, 3)
TYPE_TOPICS = {"MANAGER": "zeek.cluster.manager", "LOGGER": "zeek.cluster.logger",
               "PROXY": "zeek.cluster.proxy", "WORKER": "zeek.cluster.worker"}
POOL_TOPICS = {"LOGGER": "zeek.cluster.pool.logger", "PROXY": "zeek.cluster.pool.proxy",
               "WORKER": "zeek.cluster.pool.worker"}


def node_topic(name):
    return "%s.%s." % (NODE_TOPIC_PREFIX, name)


def nodeid_topic(node_id):
    return "%s.%s." % (NODEID_TOPIC_PREFIX, node_id)


def make_node_id(name):
    n, digits = random.getrandbits(64), ""
    while n:
        n, d = divmod(n, 62)
        digits = BASE62[d] + digits
    return "zeromq_%s_%s_%d_N%s" % (name, socket.gethostname(), os.getpid(), digits or "0")


def emit(kind, **fields):
    sys.stdout.write(json.dumps(dict(kind=kind, **fields)) + "\n")
    sys.stdout.flush()


class Peer:
    """One cluster node: sockets, subscriptions, the hello state machine, sends."""

    def __init__(self, opts):
        self.opts = opts
        self.name = opts.name
        self.id = make_node_id(opts.name)
        self.fmt = FORMATS[opts.format]
        self.known = None
        if opts.layout:
            with open(opts.layout) as f:
                self.known = set(json.load(f))
        self.nodes = {}                 # name -> id of peers whose Cluster::hello arrived
        self.nodeid_subscriptions = {}  # id -> monotonic time seen
        self.nodeid_hellos = {}         # id -> monotonic time seen
        self.xpub_subscriptions = set()
        self.pending = [(node, event, json.loads(args)) for node, event, args in opts.send]
        self.exit_seen = False
        self.own_unsubscribed = False
        self.ctx = zmq.Context()
        self.xsub = self.ctx.socket(zmq.XSUB)
        self.xpub = self.ctx.socket(zmq.XPUB)
        self.topics = [t for t in (POOL_TOPICS.get(opts.type), TYPE_TOPICS.get(opts.type))
                       if t] + [nodeid_topic(self.id), node_topic(self.name)]

    def start(self):
        self.xsub.setsockopt(zmq.RCVHWM, 1000)
        self.xpub.setsockopt(zmq.XPUB_VERBOSE, 1)
        self.xpub.setsockopt(zmq.XPUB_NODROP, 1)
        self.xpub.setsockopt(zmq.LINGER, 500)
        self.xpub.setsockopt(zmq.SNDHWM, 1000)
        self.xsub.connect(self.opts.xsub_connect)
        self.xpub.connect(self.opts.xpub_connect)
        emit("start", name=self.name, id=self.id, format=self.fmt, topics=self.topics)
        for topic in self.topics:
            self.xsub.send(b"\x01" + topic.encode())

    def publish(self, topic, event, args):
        payload = encode_event(self.fmt, event, args)
        self.xpub.send_multipart([topic.encode(), self.id.encode(), self.fmt.encode(), payload])

    def hello_args(self):
        return [["string", self.name], ["string", self.id]]

    # -------------------------------------------------- XPUB side: subscriptions
    def on_xpub(self, frames):
        if len(frames) != 1 or not frames[0] or frames[0][0] not in (0, 1):
            return emit("error", message="Unexpected XPUB message with %d frames" % len(frames))
        topic = frames[0][1:].decode("utf-8", "surrogateescape")
        if frames[0][0] == 1:
            self.on_subscription(topic)
        else:
            self.on_unsubscription(topic)

    def peer_of(self, topic):
        prefix = NODEID_TOPIC_PREFIX + "."
        return topic[len(prefix):-1] if topic.startswith(prefix) else None

    def on_subscription(self, topic):
        if topic in self.xpub_subscriptions:
            return
        self.xpub_subscriptions.add(topic)
        emit("subscription", topic=topic)
        peer = self.peer_of(topic)
        if peer is None or peer == self.id:
            return
        self.publish(topic, ZEROMQ_HELLO, self.hello_args())
        if self.nodeid_hellos.pop(peer, None) is not None:
            self.publish(nodeid_topic(peer), CLUSTER_HELLO, self.hello_args())
        else:
            self.nodeid_subscriptions[peer] = time.monotonic()

    def on_unsubscription(self, topic):
        self.xpub_subscriptions.discard(topic)
        emit("unsubscription", topic=topic)
        peer = self.peer_of(topic)
        if peer is None:
            return
        if peer == self.id:
            self.own_unsubscribed = True
            return
        for name, node_id in list(self.nodes.items()):
            if node_id == peer:
                del self.nodes[name]
                return emit("node_down", name=name, id=peer)
        emit("warning", message="Unsubscription of unknown node %s" % peer)

    # -------------------------------------------------- XSUB side: events
    def on_xsub(self, frames):
        if len(frames) != 4:
            return emit("error", message="Dropped message with %d frames" % len(frames))
        topic, sender, fmt, payload = (frames[0].decode("utf-8", "surrogateescape"),
                                       frames[1].decode("utf-8", "surrogateescape"),
                                       frames[2].decode("utf-8", "surrogateescape"), frames[3])
        if sender == self.id:
            return
        if fmt != self.fmt:
            return emit("error", message='Wrong format "%s" from %s' % (fmt, sender))
        try:
            name, args, metadata = decode_event(fmt, payload)
        except (ValueError, KeyError, TypeError, IndexError) as e:
            return emit("error", message="Cannot decode event from %s: %s" % (sender, e))
        emit("event", name=name, sender=sender, topic=topic, args=args, metadata=metadata)
        if name in (ZEROMQ_HELLO, CLUSTER_HELLO):
            if len(args) != 2 or args[0][0] != "string" or args[1][0] != "string":
                return emit("error", message="Malformed %s" % name)
            if name == ZEROMQ_HELLO:
                self.on_zeromq_hello(args[0][1], args[1][1])
            else:
                self.on_cluster_hello(args[0][1], args[1][1])
        if name == self.opts.exit_on:
            self.exit_seen = True

    def on_zeromq_hello(self, name, node_id):
        old = self.nodes.get(name)
        if old == node_id:
            return emit("warning", message="%s sends ZeroMQ::hello twice" % name)
        if old is not None:
            emit("warning", message="%s never said goodbye" % name)
            del self.nodes[name]
            emit("node_down", name=name, id=old)
        if self.nodeid_subscriptions.pop(node_id, None) is not None:
            self.publish(nodeid_topic(node_id), CLUSTER_HELLO, self.hello_args())
        else:
            self.nodeid_hellos[node_id] = time.monotonic()

    def on_cluster_hello(self, name, node_id):
        if self.known is not None and name not in self.known:
            return emit("error", message="Got Cluster::hello msg from unexpected node %s" % name)
        old = self.nodes.get(name)
        if old is not None and old != node_id:
            emit("error", message="Duplicate node %s (%s, %s)" % (name, old, node_id))
        elif old is None:
            emit("node_up", name=name, id=node_id)
        self.nodes[name] = node_id

    # -------------------------------------------------- housekeeping
    def expire(self):
        limit = time.monotonic() - HELLO_EXPIRATION_S
        for table, what in ((self.nodeid_subscriptions, "subscription"),
                            (self.nodeid_hellos, "hello")):
            for node_id, seen in list(table.items()):
                if seen < limit:
                    del table[node_id]
                    emit("warning", message="Expired %s from nodeid %s" % (what, node_id))

    def flush_sends(self):
        for item in list(self.pending):
            node, event, args = item
            if node in self.nodes and node_topic(node) in self.xpub_subscriptions:
                self.publish(node_topic(node), event, args)
                self.pending.remove(item)
                emit("sent", topic=node_topic(node), name=event, args=args)

    def pump(self, poller, timeout_ms):
        for sock, _ in poller.poll(timeout_ms):
            for _ in range(100):
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                (self.on_xpub if sock is self.xpub else self.on_xsub)(frames)

    def run(self):
        poller = zmq.Poller()
        poller.register(self.xsub, zmq.POLLIN)
        poller.register(self.xpub, zmq.POLLIN)
        deadline = time.monotonic() + self.opts.timeout
        while not (self.exit_seen and not self.pending):
            if time.monotonic() > deadline:
                emit("timeout", up=sorted(self.nodes), pending=[p[1] for p in self.pending])
                self.stop(poller)
                return 2
            self.pump(poller, 50)
            self.expire()
            self.flush_sends()
        self.stop(poller)
        return 0

    def stop(self, poller):
        """Unsubscribes (so node_down is immediate), waits for the echo, closes."""
        for topic in reversed(self.topics):
            self.xsub.send(b"\x00" + topic.encode())
        until = time.monotonic() + 2.0
        while not self.own_unsubscribed and time.monotonic() < until:
            self.pump(poller, 50)
        self.xsub.close(0)
        self.xpub.close()
        self.ctx.term()
        emit("exit", unsubscribed=self.own_unsubscribed)


# Scalar encodings given in the spec (zeek-zeromq-wire.md 7(iv)), checked by --check-capture.
SPEC_SCALARS = [
    (["address", "10.0.0.1"], "0600000000000000000000ffff0a000001"),
    (["subnet", "10.0.0.0/8"], "0700000000000000000000ffff0a00000068"),
    (["port", "80/tcp"], "08005001"),
    (["real", 1.5], "043ff8000000000000"),
    (["real", "inf"], "04fff0000000000000"),
    (["integer", "-1"], "03ffffffffffffffff"),
    (["timespan", "1500000000"], "0a0000000059682f00"),
    (["enum-value", "Cluster::WORKER"], "0b0f436c75737465723a3a574f524b4552"),
    (["boolean", True], "0101"),
    (["none", None], "00"),
]


def check_capture(path):
    """Decodes and re-encodes every event of a capture file, and the spec's scalars."""
    with open(path) as f:
        records = json.load(f)
    checked, mismatches = 0, []
    for record in records:
        if record["kind"] != "publish":
            continue
        topic, _, fmt, payload = (bytes.fromhex(x) for x in record["frames"])
        name, args, _ = decode_event(fmt.decode(), payload)
        again = encode_event(fmt.decode(), name, args)
        checked += 1
        if again != payload:
            mismatches.append({"topic": topic.decode(), "name": name,
                               "want": payload.hex(), "got": again.hex()})
    for value, want in SPEC_SCALARS:
        got = bin_encode(value).hex()
        checked += 1
        if got != want or bin_decode(bytes.fromhex(want)) != value:
            mismatches.append({"value": value, "want": want, "got": got})
    emit("check", checked=checked, mismatches=mismatches)
    return 0 if not mismatches else 3


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    if argv[:1] == ["--check-capture"] and len(argv) == 2:
        return check_capture(argv[1])
    parser.add_argument("--name", required=True, help="this node's name in the layout")
    parser.add_argument("--type", default="WORKER", choices=sorted(TYPE_TOPICS) + ["CONTROL"])
    parser.add_argument("--xsub-connect", required=True, help="the proxy XPUB endpoint")
    parser.add_argument("--xpub-connect", required=True, help="the proxy XSUB endpoint")
    parser.add_argument("--format", default="bin", choices=sorted(FORMATS))
    parser.add_argument("--layout", help="JSON layout: Cluster::hello from other names fails")
    parser.add_argument("--exit-on", help="exit after receiving this event")
    parser.add_argument("--send", nargs=3, action="append", default=[],
                        metavar=("NODE", "EVENT", "ARGS"),
                        help="once NODE is up, publish EVENT with typed ARGS (JSON) to its "
                             "node topic")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    opts = parser.parse_args(argv)
    peer = Peer(opts)
    peer.start()
    return peer.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
