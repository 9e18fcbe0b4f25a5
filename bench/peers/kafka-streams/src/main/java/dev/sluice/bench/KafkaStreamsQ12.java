package dev.sluice.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

/**
 * Nexmark-q12-shaped keyed tumbling count, Kafka Streams edition: records keyed by the
 * generator's key (the record key), counted per key per tumbling window of event time
 * (the record timestamp), results as Sluice's window-result JSON to the output topic,
 * with processing.guarantee=exactly_once_v2.
 *
 * The input is bounded (pre-filled before this starts), so "done" is well defined: the
 * application's committed offsets reach the input's end offsets. Under exactly_once_v2
 * offsets commit in the same transaction as the output they produced, after the record
 * caches are flushed, so at that moment every window's final count is visible to
 * read_committed consumers. Prints one JSON line with the timings on stdout.
 *
 * Arguments (key=value): brokers, input, output, appId, windowMs, stateDir, timeoutMs.
 */
public final class KafkaStreamsQ12 {
  private KafkaStreamsQ12() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parseArgs(argv);
    String brokers = required(args, "brokers");
    String input = required(args, "input");
    String output = required(args, "output");
    String appId = required(args, "appId");
    long windowMs = Long.parseLong(required(args, "windowMs"));
    String stateDir = required(args, "stateDir");
    long timeoutMs = Long.parseLong(args.getOrDefault("timeoutMs", "300000"));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    AtomicLong firstRecordNanos = new AtomicLong(0);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .peek((k, v) -> {
          if (firstRecordNanos.get() == 0) firstRecordNanos.compareAndSet(0, System.nanoTime());
        })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(windowMs)))
        .count(Materialized.as("q12-counts"))
        .toStream()
        .map((wk, n) -> KeyValue.pair(wk.key(), windowResult(wk.key(), wk.window().start(), wk.window().end(), n)))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    try (Admin admin = Admin.create(adminProps)) {
      Map<TopicPartition, Long> ends = endOffsets(admin, input);
      long records = ends.values().stream().mapToLong(Long::longValue).sum();

      AtomicReference<Throwable> failure = new AtomicReference<>();
      KafkaStreams streams = new KafkaStreams(builder.build(), props);
      streams.setUncaughtExceptionHandler(e -> {
        failure.compareAndSet(null, e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      long t0 = System.nanoTime();
      streams.start();
      long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      long doneNanos;
      try {
        for (;;) {
          if (failure.get() != null) throw new IllegalStateException("Kafka Streams failed: " + failure.get(), failure.get());
          if (allCommitted(admin, appId, ends)) {
            doneNanos = System.nanoTime();
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("not all of " + records + " input records committed after " + timeoutMs + " ms (state " + streams.state() + ")");
          }
          Thread.sleep(20);
        }
      } finally {
        // Leave the group now (Kafka Streams stays a member until the session times out by
        // default), so the benchmark can delete the group right after the run.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        streams.cleanUp();
      }
      long first = firstRecordNanos.get();
      System.out.println("{\"records\":" + records
          + ",\"elapsedMs\":" + ms(doneNanos - t0)
          + ",\"startupMs\":" + (first == 0 ? "null" : ms(first - t0))
          + ",\"guarantee\":\"" + StreamsConfig.EXACTLY_ONCE_V2 + "\""
          + ",\"kafkaStreamsVersion\":\"" + AppInfoParser.getVersion() + "\"}");
    }
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  private static boolean allCommitted(Admin admin, String group, Map<TopicPartition, Long> ends) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    for (var e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) return false;
    }
    return true;
  }

  /** Sluice's window-result shape: {"key": K, "windowStart": ms, "windowEnd": ms, "value": V}. */
  static String windowResult(String key, long start, long end, long count) {
    return "{\"key\":" + jsonString(key) + ",\"windowStart\":" + start + ",\"windowEnd\":" + end + ",\"value\":" + count + "}";
  }

  static String jsonString(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static String ms(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
  }

  private static Map<String, String> parseArgs(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (String a : argv) {
      int i = a.indexOf('=');
      if (i <= 0) throw new IllegalArgumentException("expected key=value, got \"" + a + "\"");
      out.put(a.substring(0, i), a.substring(i + 1));
    }
    return out;
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing argument " + name + "=…");
    return v;
  }
}
