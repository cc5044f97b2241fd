"""The bench's Python peer: the pass-through and windowed bench topologies on Quix Streams.

Usage: python peer.py passthrough|windowed-count. Topics and broker from the environment: BENCH_INPUT,
BENCH_OUTPUT, BENCH_BROKERS, BENCH_APP_ID, BENCH_STATE_DIR. String keys, JSON values, exactly-once processing
guarantee, 100 ms commit interval (as the sluice topologies run in the bench). Window state lives in the
library's RocksDB store (it has no in-memory one), with its changelog. Windows close per partition (like
the other engines' stream time), not per key. The windowed output is written in sluice's shape: key
{"key","startMs","endMs"}, value {"value":{"count","sum"},"final":true}.
"""
import json
import os
import sys

from quixstreams import Application
from quixstreams.dataframe.windows import Count, Sum


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set")
    return value


def event_time(value, headers, timestamp, timestamp_type) -> int:
    return int(value["ts"])


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("passthrough", "windowed-count"):
        raise SystemExit("usage: peer.py passthrough|windowed-count")
    topology = sys.argv[1]
    app = Application(
        broker_address=env("BENCH_BROKERS"),
        consumer_group=env("BENCH_APP_ID"),
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        commit_interval=0.1,
        state_dir=env("BENCH_STATE_DIR"),
        loglevel="WARNING",
        auto_create_topics=True,
    )
    output = app.topic(env("BENCH_OUTPUT"), key_serializer="str", value_serializer="json")
    if topology == "passthrough":
        source = app.topic(env("BENCH_INPUT"), key_deserializer="str", value_deserializer="json")
        sdf = app.dataframe(source)
        sdf = sdf.apply(lambda e: {**e, "seen": True}).filter(lambda e: e["id"] >= 0)
        sdf.to_topic(output)
    else:
        source = app.topic(env("BENCH_INPUT"), key_deserializer="str", value_deserializer="json", timestamp_extractor=event_time)
        sdf = app.dataframe(source)
        sdf = sdf.tumbling_window(duration_ms=60_000, grace_ms=30_000).agg(count=Count(), sum=Sum("id")).final(closing_strategy="partition")
        sdf = sdf.apply(
            lambda w, key, timestamp, headers: {
                "k": json.dumps({"key": key, "startMs": w["start"], "endMs": w["end"]}, separators=(",", ":")),
                "value": {"count": w["count"], "sum": w["sum"]},
                "final": True,
            },
            metadata=True,
        )
        sdf.to_topic(output, key=lambda v: v["k"])
    print(json.dumps({"msg": "starting", "topology": topology}), flush=True)
    app.run()


if __name__ == "__main__":
    main()
