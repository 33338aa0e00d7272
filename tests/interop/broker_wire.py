"""Broker wire values for the interop peer, written from the spec alone (standard library only).

broker-bin-v1 (zeek-zeromq-wire.md 5.1), broker-json-v1 (5.3) and the event
envelope (5.2). Values are typed pairs [type, value] with Broker's type names:
["string","x"], ["count","5"], ["integer","-3"], ["real",2.5],
["address","10.0.0.1"], ["subnet","10.0.0.0/8"], ["port","443/tcp"],
["boolean",true], ["none",null], ["timestamp","<ns>"], ["timespan","<ns>"],
["enum-value","Cluster::WORKER"], ["vector",[...]], ["set",[...]],
["table",[[k,v],...]]. 64-bit integers are decimal strings so that no JSON
reader rounds them; a real is a JSON number or "inf", "-inf", "nan".
"""

import datetime
import ipaddress
import json
import re
import struct

PORT_PROTOCOLS = ["unknown", "tcp", "udp", "icmp"]
V4_MAPPED = b"\x00" * 10 + b"\xff\xff"

# ---------------------------------------------------------------- bin-v1 (spec 5.1)
TAGS = ["none", "boolean", "count", "integer", "real", "string", "address", "subnet",
        "port", "timestamp", "timespan", "enum-value", "set", "table", "vector"]
REAL_SPECIAL = {"inf": b"\xff\xf0" + b"\x00" * 6, "-inf": b"\x7f\xf0" + b"\x00" * 6,
                "nan": b"\xff" * 8}


def varbyte(n):
    n &= 0xFFFFFFFF
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def addr_bytes(text):
    ip = ipaddress.ip_address(text)
    return V4_MAPPED + ip.packed if ip.version == 4 else ip.packed


def addr_text(raw):
    ip = ipaddress.IPv6Address(raw)
    return str(ip.ipv4_mapped) if raw[:12] == V4_MAPPED else str(ip)


def real_key(v):
    v = float(v)
    if v != v:
        return "nan"
    return "inf" if v == float("inf") else "-inf" if v == float("-inf") else None


def parse_port(text):
    num, sep, proto = text.partition("/")
    return int(num), PORT_PROTOCOLS.index("unknown" if proto == "?" else proto) if sep else 1


def bin_encode(value):
    kind, v = value
    tag = bytes([TAGS.index(kind)])
    if kind == "none":
        return tag
    if kind == "boolean":
        return tag + (b"\x01" if v else b"\x00")
    if kind == "count":
        return tag + struct.pack(">Q", int(v))
    if kind in ("integer", "timestamp", "timespan"):
        return tag + struct.pack(">q", int(v))
    if kind == "real":
        special = real_key(v)
        return tag + (REAL_SPECIAL[special] if special else struct.pack(">d", float(v)))
    if kind in ("string", "enum-value"):
        raw = v.encode("utf-8", "surrogateescape")
        return tag + varbyte(len(raw)) + raw
    if kind == "address":
        return tag + addr_bytes(v)
    if kind == "subnet":
        net = ipaddress.ip_network(v, strict=False)
        extra = 96 if net.version == 4 else 0
        return tag + addr_bytes(str(net.network_address)) + bytes([net.prefixlen + extra])
    if kind == "port":
        num, proto = parse_port(v)
        return tag + struct.pack(">HB", num, proto)
    if kind in ("vector", "set"):
        return tag + varbyte(len(v)) + b"".join(bin_encode(x) for x in v)
    if kind == "table":
        return tag + varbyte(len(v)) + b"".join(bin_encode(k) + bin_encode(x) for k, x in v)
    raise ValueError("Cannot encode type %r" % kind)


class Reader:
    """Reads bin-v1 values from a byte string; every read checks the bytes left."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, what):
        left = len(self.data) - self.pos
        if n > left:
            raise ValueError("Cannot decode %s: %d bytes left, need %d" % (what, left, n))
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def varbyte(self):
        n, shift = 0, 0
        while True:
            b = self.take(1, "varbyte")[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n & 0xFFFFFFFF
            if shift > 28:
                raise ValueError("Cannot decode varbyte: more than 5 bytes")

    def value(self):
        tag = self.take(1, "tag")[0]
        if tag >= len(TAGS):
            raise ValueError("Cannot decode value: unknown tag 0x%02x" % tag)
        kind = TAGS[tag]
        if kind == "none":
            return [kind, None]
        if kind == "boolean":
            return [kind, self.take(1, kind)[0] != 0]
        if kind == "count":
            return [kind, str(struct.unpack(">Q", self.take(8, kind))[0])]
        if kind in ("integer", "timestamp", "timespan"):
            return [kind, str(struct.unpack(">q", self.take(8, kind))[0])]
        if kind == "real":
            raw = self.take(8, kind)
            for name, special in REAL_SPECIAL.items():
                if raw == special:
                    return [kind, name]
            return [kind, struct.unpack(">d", raw)[0]]
        if kind in ("string", "enum-value"):
            n = self.varbyte()
            return [kind, self.take(n, kind).decode("utf-8", "surrogateescape")]
        if kind == "address":
            return [kind, addr_text(self.take(16, kind))]
        if kind == "subnet":
            raw, length = self.take(16, kind), self.take(1, kind)[0]
            v4 = raw[:12] == V4_MAPPED
            return [kind, "%s/%d" % (addr_text(raw), length - 96 if v4 else length)]
        if kind == "port":
            num, proto = struct.unpack(">HB", self.take(3, kind))
            if proto > 3:
                raise ValueError("Cannot decode port: protocol %d" % proto)
            return [kind, "%d/%s" % (num, PORT_PROTOCOLS[proto])]
        n = self.varbyte()
        if kind == "table":
            return [kind, [[self.value(), self.value()] for _ in range(n)]]
        return [kind, [self.value() for _ in range(n)]]


def bin_decode(data):
    reader = Reader(data)
    value = reader.value()
    if reader.pos != len(data):
        raise ValueError("Cannot decode payload: %d trailing bytes" % (len(data) - reader.pos))
    return value


# ---------------------------------------------------------------- json-v1 (spec 5.3)
JSON_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                "\t": "\\t", "\v": "\\v", '"': '\\"'}
TIMESPAN_UNITS = [("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1)]


def json_string(text):
    return '"' + "".join(JSON_ESCAPES.get(c, c) for c in text) + '"'


def timestamp_text(ns):
    secs, rest = divmod(int(ns), 10**9)
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (rest // 10**6)


def timespan_text(ns):
    ns = int(ns)
    if ns == 0:
        return "0s"
    for unit, size in TIMESPAN_UNITS:
        if ns % size == 0:
            return "%d%s" % (ns // size, unit)
    raise AssertionError("unreachable")


def json_data(kind, v):
    if kind == "none":
        return "{}"
    if kind == "boolean":
        return "true" if v else "false"
    if kind in ("count", "integer"):
        return "%d" % int(v)
    if kind == "real":
        return "%f" % float(v)
    if kind in ("string", "enum-value", "address", "port"):
        return json_string(v.replace("/unknown", "/?") if kind == "port" else v)
    if kind == "subnet":
        net = ipaddress.ip_network(v, strict=False)
        return json_string("%s/%d" % (net.network_address, net.prefixlen))
    if kind == "timestamp":
        return json_string(timestamp_text(v))
    if kind == "timespan":
        return json_string(timespan_text(v))
    if kind in ("vector", "set"):
        return "[" + ",".join(json_encode(x) for x in v) + "]"
    if kind == "table":
        return "[" + ",".join('{"key":%s,"value":%s}' % (json_encode(k), json_encode(x))
                              for k, x in v) + "]"
    raise ValueError("Cannot encode type %r" % kind)


def json_encode(value):
    kind, v = value
    return '{"@data-type":%s,"data":%s}' % (json_string(kind), json_data(kind, v))


def parse_timestamp(text):
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    delta = dt - datetime.datetime(1970, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def parse_timespan(text):
    m = re.fullmatch(r"(-?\d+)(ns|us|ms|s)", text)
    if not m:
        raise ValueError("Cannot decode timespan: %r" % text)
    return int(m.group(1)) * dict(TIMESPAN_UNITS)[m.group(2)]


def json_value(obj):
    if not isinstance(obj, dict) or "@data-type" not in obj or "data" not in obj:
        raise ValueError("Cannot decode JSON value: %r" % (obj,))
    kind, v = obj["@data-type"], obj["data"]
    scalar = {
        "none": lambda: None,
        "boolean": lambda: bool(v),
        "count": lambda: str(int(v)),
        "integer": lambda: str(int(v)),
        "real": lambda: float(v),
        "string": lambda: v,
        "enum-value": lambda: v,
        "address": lambda: str(ipaddress.ip_address(v)),
        "subnet": lambda: str(ipaddress.ip_network(v, strict=False)),
        "port": lambda: v.replace("/?", "/unknown") if "/" in v else v + "/tcp",
        "timestamp": lambda: str(parse_timestamp(v)),
        "timespan": lambda: str(parse_timespan(v)),
    }
    if kind in scalar:
        return [kind, scalar[kind]()]
    if kind in ("vector", "set"):
        return [kind, [json_value(x) for x in v]]
    if kind == "table":
        return [kind, [[json_value(e["key"]), json_value(e["value"])] for e in v]]
    raise ValueError("Cannot decode JSON value: unknown @data-type %r" % kind)


def json_decode(data):
    text = data.decode("utf-8", "surrogateescape")
    # Broker writes \v, which JSON lacks: turn an unescaped \v into \u000b before parsing.
    text = re.sub(r"(?<!\\)((?:\\\\)*)\\v", r"\1\\u000b", text)
    return json_value(json.loads(text, strict=False))


# ---------------------------------------------------------------- events (spec 5.2)
def encode_event(fmt, name, args):
    event = ["vector", [["count", 1], ["count", 1],
                        ["vector", [["string", name], ["vector", list(args)]]]]]
    return bin_encode(event) if fmt == "broker-bin-v1" else json_encode(event).encode("utf-8")


def decode_event(fmt, payload):
    kind, items = bin_decode(payload) if fmt == "broker-bin-v1" else json_decode(payload)
    if kind != "vector" or len(items) != 3 or items[0] != ["count", "1"] \
            or items[1] != ["count", "1"]:
        raise ValueError("Cannot decode event: not a version 1 Event message")
    kind, body = items[2]
    if kind != "vector" or len(body) not in (2, 3) or body[0][0] != "string" \
            or body[1][0] != "vector":
        raise ValueError("Cannot decode event: bad [name, args, metadata] vector")
    metadata = body[2][1] if len(body) == 3 else []
    return body[0][1], body[1][1], metadata
