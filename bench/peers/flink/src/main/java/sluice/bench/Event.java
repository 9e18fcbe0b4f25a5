package sluice.bench;

/**
 * One Nexmark event as a Flink POJO: the union of Person, Auction and Bid with a type tag,
 * the same flat shape as Sluice's nexmark source records (fields of other types stay null/0).
 */
public class Event {
  public static final int PERSON = 0;
  public static final int AUCTION = 1;
  public static final int BID = 2;

  public int type;
  public long dateTime;
  public String extra;
  // person
  public long id;
  public String name;
  public String emailAddress;
  public String creditCard;
  public String city;
  public String state;
  // auction (id above)
  public String itemName;
  public String description;
  public long initialBid;
  public long reserve;
  public long expires;
  public long seller;
  public long category;
  // bid
  public long auction;
  public long bidder;
  public long price;
  public String channel;
  public String url;

  public Event() {}

  /** The record as one JSON line, the work Sluice's file sink does for every output record. */
  public String toJson() {
    StringBuilder b = new StringBuilder(160);
    switch (type) {
      case PERSON:
        b.append("{\"type\":\"person\",\"id\":").append(id);
        str(b, "name", name);
        str(b, "emailAddress", emailAddress);
        str(b, "creditCard", creditCard);
        str(b, "city", city);
        str(b, "state", state);
        break;
      case AUCTION:
        b.append("{\"type\":\"auction\",\"id\":").append(id);
        str(b, "itemName", itemName);
        str(b, "description", description);
        b.append(",\"initialBid\":").append(initialBid).append(",\"reserve\":").append(reserve);
        b.append(",\"expires\":").append(expires).append(",\"seller\":").append(seller).append(",\"category\":").append(category);
        break;
      default:
        b.append("{\"type\":\"bid\",\"auction\":").append(auction).append(",\"bidder\":").append(bidder).append(",\"price\":").append(price);
        str(b, "channel", channel);
        str(b, "url", url);
    }
    b.append(",\"dateTime\":").append(dateTime);
    str(b, "extra", extra);
    return b.append("}\n").toString();
  }

  // Generated strings never need escaping (names, cities, urls from fixed tables).
  private static void str(StringBuilder b, String field, String v) {
    b.append(",\"").append(field).append("\":\"").append(v).append('"');
  }
}
