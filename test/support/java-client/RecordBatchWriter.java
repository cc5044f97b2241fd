// Writes one record batch with the Java client's own builder (MemoryRecordsBuilder, what the Java producer's
// RecordAccumulator fills) and prints it as hex, so sluice's encoder can be compared with it byte for byte.
// Run with the broker's jars (kafka-clients): java -cp '.cache/kafka/lib/*' RecordBatchWriter.java PID EPOCH SEQ TX CODEC
// stdin, one record per line: keyHex|valueHex|timestampMs|nameHex=valueHex,...   ("-" for a null key or value)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

public class RecordBatchWriter {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] bytes(String field) {
    return field.equals("-") ? null : HEX.parseHex(field);
  }

  public static void main(String[] args) throws Exception {
    long producerId = Long.parseLong(args[0]);
    short producerEpoch = Short.parseShort(args[1]);
    int baseSequence = Integer.parseInt(args[2]);
    boolean transactional = Boolean.parseBoolean(args[3]);
    Compression compression = args[4].equals("gzip") ? Compression.gzip().build() : Compression.NONE;
    ByteBuffer buffer = ByteBuffer.allocate(1 << 22);
    MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, RecordBatch.MAGIC_VALUE_V2, compression,
        TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, producerEpoch, baseSequence,
        transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      String[] f = line.split("\\|", -1);
      List<Header> headers = new ArrayList<>();
      if (!f[3].isEmpty()) {
        for (String h : f[3].split(",")) {
          String[] kv = h.split("=", -1);
          headers.add(new RecordHeader(new String(HEX.parseHex(kv[0]), StandardCharsets.UTF_8), bytes(kv[1])));
        }
      }
      builder.append(Long.parseLong(f[2]), bytes(f[0]), bytes(f[1]), headers.toArray(new Header[0]));
    }
    ByteBuffer out = builder.build().buffer();
    byte[] batch = new byte[out.remaining()];
    out.get(batch);
    System.out.println(HEX.formatHex(batch));
  }
}
