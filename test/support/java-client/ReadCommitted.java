// Reads a topic from the beginning with the Java consumer (isolation.level=read_committed, no group) until
// EXPECTED records arrived or TIMEOUT_MS passed, and prints one line per record:
//   partition|offset|timestampType|timestampMs|keyHex|valueHex|nameHex=valueHex,...   ("-" for null)
// Run with the broker's jars: java -cp '.cache/kafka/lib/*' ReadCommitted.java BOOTSTRAP TOPIC EXPECTED TIMEOUT_MS
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.StringJoiner;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class ReadCommitted {
  private static final HexFormat HEX = HexFormat.of();

  private static String hex(byte[] bytes) {
    return bytes == null ? "-" : HEX.formatHex(bytes);
  }

  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    String topic = args[1];
    int expected = Integer.parseInt(args[2]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
    int seen = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (seen < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          StringJoiner headers = new StringJoiner(",");
          for (Header h : r.headers()) headers.add(HEX.formatHex(h.key().getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "=" + hex(h.value()));
          System.out.println(r.partition() + "|" + r.offset() + "|" + r.timestampType() + "|" + r.timestamp() + "|"
              + hex(r.key()) + "|" + hex(r.value()) + "|" + headers);
          seen++;
        }
      }
    }
  }
}
