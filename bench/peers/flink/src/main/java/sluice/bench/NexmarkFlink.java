package sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichCoGroupFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Nexmark q0, q5, q8, q11 and q12 on Flink's DataStream API in a local MiniCluster, over the
 * same events as Sluice's nexmark source (NexmarkModel is a bit-for-bit port). Each output
 * record is turned into its JSON line before it is discarded, which is the work Sluice's
 * file sink does, so both engines do the same per-record work end to end.
 *
 * Usage: NexmarkFlink run --query q12 --parallelism 1 --events N --seed S --rate R --runs K --warmup W
 *        NexmarkFlink checksum --seed S --events N
 * `run` prints one JSON line per measured run: {"query","parallelism","events","netRuntimeMs","cpuMs"},
 * plus "results" (output records) for the queries that count them (q8), to check against Sluice's.
 */
public final class NexmarkFlink {
  static final long WINDOW_MS = 10_000;
  static final long SLIDE_MS = 2_000;
  /** The accumulator counting a query's output records, where one does. */
  static final String RESULTS = "results";

  public static void main(String[] args) throws Exception {
    String cmd = args.length > 0 ? args[0] : "";
    String query = "q12";
    int parallelism = 1;
    long events = 1_000_000;
    long seed = 1;
    double rate = 10_000;
    int runs = 3;
    int warmup = 1;
    for (int i = 1; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--query": query = v; break;
        case "--parallelism": parallelism = Integer.parseInt(v); break;
        case "--events": events = Long.parseLong(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--rate": rate = Double.parseDouble(v); break;
        case "--runs": runs = Integer.parseInt(v); break;
        case "--warmup": warmup = Integer.parseInt(v); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (cmd.equals("checksum")) {
      System.out.println("{\"checksum\":" + NexmarkModel.checksum(seed, events) + "}");
      return;
    }
    if (!cmd.equals("run")) throw new IllegalArgumentException("usage: NexmarkFlink run|checksum [options]");
    for (int r = 0; r < warmup + runs; r++) {
      long cpu0 = processCpuNanos();
      JobExecutionResult res = runOnce(query, parallelism, events, seed, rate);
      long cpuMs = (processCpuNanos() - cpu0) / 1_000_000;
      if (r >= warmup) {
        System.out.println("{\"query\":\"" + query + "\",\"parallelism\":" + parallelism + ",\"events\":" + events
            + ",\"netRuntimeMs\":" + res.getNetRuntime() + ",\"cpuMs\":" + cpuMs
            + (res.getAccumulatorResult(RESULTS) != null ? ",\"results\":" + res.getAccumulatorResult(RESULTS) : "") + "}");
        System.out.flush();
      }
    }
  }

  /** CPU time of the whole JVM (all task, network, JIT and GC threads), to see how many cores Flink really used. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static JobExecutionResult runOnce(String query, int parallelism, long events, long seed, double rate) throws Exception {
    Configuration conf = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    DataStream<Event> source = env.fromSequence(0, events - 1)
        .map(new Generate(seed, rate))
        .name("nexmark")
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Event>forMonotonousTimestamps().withTimestampAssigner((e, t) -> e.dateTime));
    DataStream<String> out;
    switch (query) {
      case "q0":
        out = source.map(Event::toJson);
        break;
      case "q12":
        out = bids(source).keyBy(e -> e.bidder)
            .window(TumblingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
            .aggregate(new Count(), new KeyedWindowResult())
            .map(NexmarkFlink::windowJson);
        break;
      case "q11":
        out = bids(source).keyBy(e -> e.bidder)
            .window(EventTimeSessionWindows.withGap(Duration.ofMillis(WINDOW_MS)))
            .aggregate(new Count(), new KeyedWindowResult())
            .map(NexmarkFlink::windowJson);
        break;
      case "q5":
        out = bids(source).keyBy(e -> e.auction)
            .window(SlidingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS), Duration.ofMillis(SLIDE_MS)))
            .aggregate(new Count(), new KeyedWindowResult())
            .keyBy(r -> r.f2)
            .process(new HottestPerWindow())
            .map(NexmarkFlink::windowJson);
        break;
      case "q8":
        // A window join of two streams, each keyed by the person id, in 10 s tumbling windows.
        out = source.filter(e -> e.type == Event.PERSON)
            .coGroup(source.filter(e -> e.type == Event.AUCTION))
            .where(p -> p.id).equalTo(a -> a.seller)
            .window(TumblingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
            .apply(new NewUsers());
        break;
      default:
        throw new IllegalArgumentException("unknown query " + query + " (q0, q5, q8, q11, q12)");
    }
    out.sinkTo(new DiscardingSink<>());
    return env.execute("nexmark-" + query + "-p" + parallelism);
  }

  static DataStream<Event> bids(DataStream<Event> s) {
    return s.filter(e -> e.type == Event.BID);
  }

  /** key, windowStart, windowEnd, count — Sluice's window result shape. */
  static String windowJson(Tuple4<Long, Long, Long, Long> r) {
    return "{\"key\":" + r.f0 + ",\"windowStart\":" + r.f1 + ",\"windowEnd\":" + r.f2 + ",\"value\":" + r.f3 + "}\n";
  }

  static final class Generate extends RichMapFunction<Long, Event> {
    private final long seed;
    private final double rate;
    private transient NexmarkModel model;

    Generate(long seed, double rate) {
      this.seed = seed;
      this.rate = rate;
    }

    @Override
    public void open(OpenContext ctx) {
      model = new NexmarkModel(seed, 1_700_000_000_000L, rate);
    }

    @Override
    public Event map(Long j) {
      return model.event(j);
    }
  }

  static final class Count implements AggregateFunction<Event, Long, Long> {
    public Long createAccumulator() { return 0L; }
    public Long add(Event e, Long acc) { return acc + 1; }
    public Long getResult(Long acc) { return acc; }
    public Long merge(Long a, Long b) { return a + b; }
  }

  static final class KeyedWindowResult extends ProcessWindowFunction<Long, Tuple4<Long, Long, Long, Long>, Long, TimeWindow> {
    @Override
    public void process(Long key, Context ctx, Iterable<Long> counts, Collector<Tuple4<Long, Long, Long, Long>> out) {
      out.collect(Tuple4.of(key, ctx.window().getStart(), ctx.window().getEnd(), counts.iterator().next()));
    }
  }

  /**
   * q8 per window and person id: the person, once, as a JSON line, if they opened at least one
   * auction in the window — as Sluice's bench/nexmark/q8-new-users.ts and Nexmark's q8 SQL
   * (both sides grouped by id and window before the join). A coGroup rather than join(): a
   * join calls back once per person–auction pair, which would repeat hot sellers.
   */
  static final class NewUsers extends RichCoGroupFunction<Event, Event, String> {
    private final LongCounter results = new LongCounter();

    @Override
    public void open(OpenContext ctx) {
      getRuntimeContext().addAccumulator(RESULTS, results);
    }

    @Override
    public void coGroup(Iterable<Event> persons, Iterable<Event> auctions, Collector<String> out) {
      if (!auctions.iterator().hasNext()) return;
      for (Event p : persons) {
        long start = p.dateTime - p.dateTime % WINDOW_MS;
        results.add(1L);
        out.collect("{\"id\":" + p.id + ",\"name\":\"" + p.name + "\",\"starttime\":" + start
            + ",\"windowStart\":" + start + ",\"windowEnd\":" + (start + WINDOW_MS) + "}\n");
      }
    }
  }

  /** q5's second stage, as in Sluice's bench/nexmark/q5-hottest.ts: per window, the auctions with the most bids. */
  static final class HottestPerWindow extends KeyedProcessFunction<Long, Tuple4<Long, Long, Long, Long>, Tuple4<Long, Long, Long, Long>> {
    private transient ValueState<Long> max;
    private transient ListState<Tuple4<Long, Long, Long, Long>> best;

    @Override
    public void open(OpenContext ctx) {
      max = getRuntimeContext().getState(new ValueStateDescriptor<>("max", Long.class));
      best = getRuntimeContext().getListState(new ListStateDescriptor<>("best", org.apache.flink.api.common.typeinfo.Types.TUPLE(
          org.apache.flink.api.common.typeinfo.Types.LONG, org.apache.flink.api.common.typeinfo.Types.LONG,
          org.apache.flink.api.common.typeinfo.Types.LONG, org.apache.flink.api.common.typeinfo.Types.LONG)));
    }

    @Override
    public void processElement(Tuple4<Long, Long, Long, Long> r, Context ctx, Collector<Tuple4<Long, Long, Long, Long>> out) throws Exception {
      Long m = max.value();
      if (m == null) {
        ctx.timerService().registerEventTimeTimer(r.f2 - 1);
      }
      if (m == null || r.f3 > m) {
        max.update(r.f3);
        best.update(List.of(r));
      } else if (r.f3.longValue() == m.longValue()) {
        best.add(r);
      }
    }

    @Override
    public void onTimer(long ts, OnTimerContext ctx, Collector<Tuple4<Long, Long, Long, Long>> out) throws Exception {
      List<Tuple4<Long, Long, Long, Long>> all = new ArrayList<>();
      for (Tuple4<Long, Long, Long, Long> r : best.get()) all.add(r);
      for (Tuple4<Long, Long, Long, Long> r : all) out.collect(r);
      max.clear();
      best.clear();
    }
  }
}
