package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;

/**
 * The bench's JVM peer: the topologies of bench/topologies, one per run, chosen by the first argument
 * (passthrough | rekey | table-count | windowed-count). Topics and broker from the environment: BENCH_INPUT,
 * BENCH_OUTPUT, BENCH_BROKERS, BENCH_APP_ID. String keys, JSON values (as the sluice topologies), in-memory
 * stores, one stream thread, exactly_once_v2, commit.interval.ms=100, no record cache (every update is
 * forwarded, as sluice does). Prints JSON lines on stdout: its state changes and, every 500 ms, its thread's
 * commit count (the stream-thread-metrics commit-total: one transaction per commit under exactly_once_v2).
 */
public final class PeerApp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private PeerApp() {}

  static final class JsonSerde implements Serde<JsonNode> {
    @Override
    public Serializer<JsonNode> serializer() {
      return (topic, node) -> {
        try {
          return node == null ? null : JSON.writeValueAsBytes(node);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
    }

    @Override
    public Deserializer<JsonNode> deserializer() {
      return (topic, bytes) -> {
        try {
          return bytes == null ? null : JSON.readTree(bytes);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
    }
  }

  /** Event time from the value's `ts` (epoch ms), as the sluice windowed topology does. */
  static final class EventTime implements TimestampExtractor {
    @Override
    public long extract(org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object> record, long partitionTime) {
      Object value = record.value();
      if (value instanceof JsonNode node && node.has("ts")) return node.get("ts").asLong();
      return record.timestamp();
    }
  }

  private static JsonNode seen(JsonNode e) {
    ObjectNode copy = ((ObjectNode) e).deepCopy();
    copy.put("seen", true);
    return copy;
  }

  static void build(String topology, StreamsBuilder b, String input, String output) {
    Serde<String> str = Serdes.String();
    JsonSerde json = new JsonSerde();
    switch (topology) {
      case "passthrough" -> b.stream(input, Consumed.with(str, json))
          .mapValues(PeerApp::seen)
          .filter((k, e) -> e.get("id").asLong() >= 0)
          .to(output, Produced.with(str, json));
      case "rekey" -> b.stream(input, Consumed.with(str, json))
          .selectKey((k, e) -> e.get("user").asText())
          .repartition(Repartitioned.<String, JsonNode>as("by-user").withKeySerde(str).withValueSerde(json))
          .mapValues(PeerApp::seen)
          .to(output, Produced.with(str, json));
      case "table-count" -> b.stream(input, Consumed.with(str, json))
          .groupByKey(Grouped.with(str, json))
          .count(Materialized.as("counts"))
          .toStream()
          .mapValues(n -> (JsonNode) NODES.numberNode(n))
          .to(output, Produced.with(str, json));
      case "windowed-count" -> {
        KStream<String, JsonNode> events = b.stream(input, Consumed.with(str, json).withTimestampExtractor(new EventTime()));
        events.groupByKey(Grouped.with(str, json))
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofSeconds(30)))
            .aggregate(
                () -> (JsonNode) NODES.objectNode().put("count", 0).put("sum", 0L),
                (k, e, agg) -> (JsonNode) NODES.objectNode().put("count", agg.get("count").asLong() + 1).put("sum", agg.get("sum").asLong() + e.get("id").asLong()),
                Materialized.<String, JsonNode, org.apache.kafka.streams.state.WindowStore<org.apache.kafka.common.utils.Bytes, byte[]>>as("counts")
                    .withKeySerde(str)
                    .withValueSerde(json))
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream()
            .map((w, agg) -> {
              ObjectNode key = NODES.objectNode().put("key", w.key()).put("startMs", w.window().start()).put("endMs", w.window().end());
              ObjectNode value = NODES.objectNode();
              value.set("value", agg);
              value.put("final", true);
              return KeyValue.pair(key.toString(), (JsonNode) value);
            })
            .to(output, Produced.with(str, json));
      }
      default -> throw new IllegalArgumentException("unknown topology " + topology + " (expected passthrough, rekey, table-count or windowed-count)");
    }
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) throw new IllegalArgumentException(name + " is not set");
    return value;
  }

  private static double commitTotal(Map<MetricName, ? extends Metric> metrics) {
    double total = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName n = e.getKey();
      if (n.name().equals("commit-total") && n.group().equals("stream-thread-metrics")) {
        Object v = e.getValue().metricValue();
        if (v instanceof Number num) total += num.doubleValue();
      }
    }
    return total;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: peer.jar passthrough|rekey|table-count|windowed-count");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, env("BENCH_APP_ID"));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, env("BENCH_BROKERS"));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-peer-").toString());
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    build(args[0], builder, env("BENCH_INPUT"), env("BENCH_OUTPUT"));
    KafkaStreams streams = new KafkaStreams(builder.build(p), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("{\"msg\":\"state\",\"state\":\"" + now + "\",\"time\":" + System.currentTimeMillis() + "}");
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) done.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("{\"msg\":\"failed\",\"error\":" + NODES.textNode(String.valueOf(e)) + "}");
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(20));
      System.out.flush();
    }));
    streams.start();
    Thread reporter = new Thread(() -> {
      try {
        while (done.getCount() > 0) {
          System.out.println("{\"msg\":\"metrics\",\"commits\":" + (long) commitTotal(streams.metrics()) + ",\"time\":" + System.currentTimeMillis() + "}");
          Thread.sleep(500);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    reporter.setDaemon(true);
    reporter.start();
    done.await();
    System.exit(streams.state() == KafkaStreams.State.ERROR ? 1 : 0);
  }
}
