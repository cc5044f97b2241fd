// Readiness probe for kafka.sh: succeeds once the broker answers a metadata request (describeCluster).
// Run with the broker's own jars on the classpath: java -cp 'lib/*' Ready.java 127.0.0.1:19092 60
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;

public class Ready {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    long deadline = System.currentTimeMillis() + Long.parseLong(args.length > 1 ? args[1] : "60") * 1000;
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    Exception last = null;
    try (Admin admin = Admin.create(props)) {
      while (System.currentTimeMillis() < deadline) {
        try {
          DescribeClusterResult r = admin.describeCluster();
          String id = r.clusterId().get(3, TimeUnit.SECONDS);
          int nodes = r.nodes().get(3, TimeUnit.SECONDS).size();
          if (nodes > 0) {
            System.out.println("cluster " + id + " nodes " + nodes);
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(200);
      }
    }
    System.err.println("no metadata answer from " + bootstrap + (last == null ? "" : ": " + last));
    System.exit(1);
  }
}
