package sluice.bench;

/**
 * A bit-for-bit port of Sluice's src/engine/connectors/nexmark-model.ts: event j of the
 * Nexmark sequence (person : auction : bid = 1 : 3 : 46) as a pure function of (seed, j),
 * from 32-bit integer hashing only. {@link #checksum} is pinned by the TypeScript test, so
 * the benchmark can refuse a Flink figure computed over different events.
 */
public final class NexmarkModel {
  static final int PERSON_PROPORTION = 1;
  static final int AUCTION_PROPORTION = 3;
  static final int TOTAL_PROPORTION = 50;
  static final long FIRST_PERSON_ID = 1000;
  static final long FIRST_AUCTION_ID = 1000;
  static final int FIRST_CATEGORY_ID = 10;
  static final int NUM_CATEGORIES = 5;
  static final long HOT_GROUP = 100;
  static final int AUCTION_ID_LEAD = 10;
  static final int PERSON_ID_LEAD = 10;

  static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
  static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
  static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
  static final String[] CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
  static final String[] CHANNEL_URLS = new String[CHANNELS.length];
  static final long[] POW10 = {1, 10, 100, 1000, 10_000, 100_000};

  static {
    for (int c = 0; c < CHANNELS.length; c++) CHANNEL_URLS[c] = "https://www.nexmark.com/item.htm?query=1&channel_id=" + c;
  }

  private final long startTs;
  private final double eventTimeRate;
  private final double msPerEvent;
  private final int hotAuctionRatio = 2;
  private final int hotBiddersRatio = 4;
  private final int hotSellersRatio = 4;
  private final int activePeople = 1000;
  private final int inFlightAuctions = 100;
  private final int seedKey;
  private int h;

  public NexmarkModel(long seed, long startTs, double eventTimeRate) {
    this.startTs = startTs;
    this.eventTimeRate = eventTimeRate;
    this.msPerEvent = 1000 / eventTimeRate;
    int lo = (int) seed;
    int hi = (int) (seed >> 32);
    this.seedKey = fmix32(lo ^ fmix32(hi ^ 0x5bd1e995));
  }

  static int fmix32(int x) {
    x ^= x >>> 16;
    x *= 0x85ebca6b;
    x ^= x >>> 13;
    x *= 0xc2b2ae35;
    x ^= x >>> 16;
    return x;
  }

  static long lastBase0PersonId(long j) {
    long epoch = j / TOTAL_PROPORTION;
    long offset = Math.min(j % TOTAL_PROPORTION, PERSON_PROPORTION - 1);
    return epoch * PERSON_PROPORTION + offset;
  }

  static long lastBase0AuctionId(long j) {
    long epoch = j / TOTAL_PROPORTION;
    long offset = j % TOTAL_PROPORTION;
    if (offset < PERSON_PROPORTION) {
      epoch -= 1;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  long dateTime(long j) {
    return startTs + (long) Math.floor((j * 1000.0) / eventTimeRate);
  }

  private int next() {
    h = fmix32(h + 0x6d2b79f5);
    return h;
  }

  private long draw(long n) {
    return Integer.toUnsignedLong(next()) % n;
  }

  private void begin(long j) {
    int lo = (int) j;
    int hi = (int) (j >>> 32);
    h = fmix32((lo * 0x9e3779b1) ^ seedKey ^ (hi * 0x7feb352d));
  }

  private long price() {
    int exponent = (int) draw(POW10.length);
    long mantissa = 100 + draw(900);
    return mantissa * POW10[exponent];
  }

  private long recentPerson(long j) {
    long numPeople = lastBase0PersonId(j) + 1;
    long active = Math.min(numPeople, activePeople);
    return numPeople - active + draw(active + PERSON_ID_LEAD);
  }

  public Event event(long j) {
    begin(j);
    long offset = j % TOTAL_PROPORTION;
    Event e = new Event();
    e.dateTime = dateTime(j);
    e.extra = "";
    if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) bid(j, e);
    else if (offset < PERSON_PROPORTION) person(j, e);
    else auction(j, e);
    return e;
  }

  private void person(long j, Event e) {
    e.type = Event.PERSON;
    e.id = FIRST_PERSON_ID + lastBase0PersonId(j);
    String first = FIRST_NAMES[(int) draw(FIRST_NAMES.length)];
    String last = LAST_NAMES[(int) draw(LAST_NAMES.length)];
    StringBuilder card = new StringBuilder(19);
    for (int i = 0; i < 4; i++) {
      if (i > 0) card.append(' ');
      String n = Long.toString(draw(10_000));
      for (int p = n.length(); p < 4; p++) card.append('0');
      card.append(n);
    }
    e.name = first + " " + last;
    e.emailAddress = first.toLowerCase() + "." + last.toLowerCase() + e.id + "@nexmark.com";
    e.creditCard = card.toString();
    e.city = US_CITIES[(int) draw(US_CITIES.length)];
    e.state = US_STATES[(int) draw(US_STATES.length)];
  }

  private void auction(long j, Event e) {
    e.type = Event.AUCTION;
    e.id = FIRST_AUCTION_ID + lastBase0AuctionId(j);
    long sellerBase0 = draw(hotSellersRatio) > 0 ? (lastBase0PersonId(j) / HOT_GROUP) * HOT_GROUP : recentPerson(j);
    e.initialBid = price();
    e.reserve = e.initialBid + price();
    double meanOpenMs = (inFlightAuctions * TOTAL_PROPORTION * msPerEvent) / AUCTION_PROPORTION;
    long half = (long) Math.floor(meanOpenMs / 2);
    e.expires = e.dateTime + half + draw(Math.max(1L, (long) Math.floor(meanOpenMs)));
    e.category = FIRST_CATEGORY_ID + draw(NUM_CATEGORIES);
    e.itemName = "item-" + e.id;
    e.description = "auction " + e.id + " in category " + e.category;
    e.seller = FIRST_PERSON_ID + sellerBase0;
  }

  private void bid(long j, Event e) {
    e.type = Event.BID;
    long lastAuction = lastBase0AuctionId(j);
    long auctionBase0;
    if (draw(hotAuctionRatio) > 0) {
      auctionBase0 = Math.floorDiv(lastAuction, HOT_GROUP) * HOT_GROUP;
    } else {
      long min = Math.max(lastAuction - inFlightAuctions, 0);
      auctionBase0 = min + draw(lastAuction - min + 1 + AUCTION_ID_LEAD);
    }
    long bidderBase0 = draw(hotBiddersRatio) > 0 ? (lastBase0PersonId(j) / HOT_GROUP) * HOT_GROUP + 1 : recentPerson(j);
    e.auction = FIRST_AUCTION_ID + auctionBase0;
    e.bidder = FIRST_PERSON_ID + bidderBase0;
    e.price = price();
    int channel = (int) draw(CHANNELS.length);
    e.channel = CHANNELS[channel];
    e.url = CHANNEL_URLS[channel];
  }

  /** The value the TypeScript test pins: a rolling hash of the bids among events 0 … n-1. */
  public static long checksum(long seed, long n) {
    NexmarkModel m = new NexmarkModel(seed, 1_700_000_000_000L, 10_000);
    long sum = 0;
    for (long j = 0; j < n; j++) {
      Event e = m.event(j);
      if (e.type == Event.BID) sum = (sum * 31 + e.auction * 7 + e.bidder * 13 + e.price) % 1_000_000_007L;
    }
    return sum;
  }
}
