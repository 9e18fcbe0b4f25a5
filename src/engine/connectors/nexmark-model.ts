/**
 * The Nexmark event model (the auction-site benchmark used by Beam, Flink and Arroyo):
 * a single sequence of events, where event j is a person, an auction or a bid in the
 * fixed proportion 1 : 3 : 46 out of every 50. Ids grow with j (a person or auction id is
 * the number of persons/auctions generated before it, plus 1000), so a bid can only refer
 * to auctions and bidders that exist or are about to (a small id lead, as in Nexmark), and
 * most bids go to a few "hot" auctions and bidders.
 *
 * Event j is a pure function of (seed, j): every random choice comes from a counter-based
 * hash (murmur3's fmix32 over the seed and j, then a Weyl step per draw), using only
 * 32-bit integer operations, so any split can produce any event, a verifier can recompute
 * it, and bench/peers/flink ports it bit for bit to Java. Prices use integer arithmetic
 * (a mantissa times a power of ten, log-uniform like Nexmark's 10^(6u)·100) for the same
 * reason: no floating-point function whose last bit could differ between V8 and the JVM.
 */
import type { Rec } from '../core/types.js';
import { fmix32 } from '../core/hash.js';

export interface NexmarkModelOptions {
  /** Same seed, same events. A safe integer. */
  seed: number;
  /** Event time of event 0, in ms. */
  startTs: number;
  /** Events per second of event time: dateTime(j) = startTs + floor(j * 1000 / eventTimeRate). */
  eventTimeRate: number;
  /** A bid goes to a hot auction with probability (r - 1) / r (Nexmark's default r = 2). */
  hotAuctionRatio: number;
  /** A bid comes from a hot bidder with probability (r - 1) / r (default 4). */
  hotBiddersRatio: number;
  /** An auction is sold by a hot seller with probability (r - 1) / r (default 4). */
  hotSellersRatio: number;
  /** Persons that may still bid or sell: the most recent ones (default 1000). */
  activePeople: number;
  /** Auctions that may still get a bid: the most recent ones (default 100). */
  inFlightAuctions: number;
}

export const NEXMARK_DEFAULTS = {
  startTs: 1_700_000_000_000,
  eventTimeRate: 10_000,
  hotAuctionRatio: 2,
  hotBiddersRatio: 4,
  hotSellersRatio: 4,
  activePeople: 1000,
  inFlightAuctions: 100,
} as const;

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
/** Hot auctions/bidders/sellers are the ids that are multiples of this (Nexmark's constant). */
const HOT_GROUP = 100;
/** How far past the newest auction/person a bid may refer to (events arrive out of id order). */
const AUCTION_ID_LEAD = 10;
const PERSON_ID_LEAD = 10;

const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
export const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const CHANNEL_URLS = CHANNELS.map((_, c) => `https://www.nexmark.com/item.htm?query=1&channel_id=${c}`);
const POW10 = [1, 10, 100, 1000, 10_000, 100_000];

export type NexmarkEventType = 'person' | 'auction' | 'bid';

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** Which kind event j is: offset j mod 50 < 1 person, < 4 auction, else bid. */
export function eventType(j: number): NexmarkEventType {
  const offset = j % TOTAL_PROPORTION;
  return offset < PERSON_PROPORTION ? 'person' : offset < PERSON_PROPORTION + AUCTION_PROPORTION ? 'auction' : 'bid';
}

/** Base-0 id of the newest person at or before event j. */
export function lastBase0PersonId(j: number): number {
  const epoch = Math.floor(j / TOTAL_PROPORTION);
  const offset = Math.min(j % TOTAL_PROPORTION, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

/** Base-0 id of the newest auction at or before event j (-1 before the first auction). */
export function lastBase0AuctionId(j: number): number {
  let epoch = Math.floor(j / TOTAL_PROPORTION);
  let offset = j % TOTAL_PROPORTION;
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

export function validateNexmarkModel(o: NexmarkModelOptions, fail: (field: string, msg: string) => never): void {
  if (!Number.isSafeInteger(o.seed)) fail('seed', `must be a safe integer, got ${o.seed}`);
  if (!Number.isFinite(o.startTs)) fail('startTs', `must be a finite number, got ${o.startTs}`);
  if (!(o.eventTimeRate > 0 && Number.isFinite(o.eventTimeRate))) fail('eventTimeRate', `must be > 0, got ${o.eventTimeRate}`);
  for (const f of ['hotAuctionRatio', 'hotBiddersRatio', 'hotSellersRatio', 'activePeople', 'inFlightAuctions'] as const) {
    if (!(Number.isSafeInteger(o[f]) && o[f] >= 1 && o[f] < TWO_POW_32)) fail(f, `must be an integer ≥ 1, got ${o[f]}`);
  }
}

/**
 * Generates event j. Not thread-safe by design (one per reader): the random draws of one
 * event use a mutable hash state, which keeps the per-event cost to a few multiplies.
 */
export class NexmarkModel {
  private readonly seedKey: number;
  private readonly msPerEvent: number;
  private h = 0;

  constructor(readonly opts: NexmarkModelOptions) {
    validateNexmarkModel(opts, (field, msg) => {
      throw new Error(`nexmark: ${field} ${msg}`);
    });
    const lo = opts.seed >>> 0;
    const hi = Math.floor(opts.seed / TWO_POW_32) >>> 0;
    this.seedKey = fmix32(lo ^ fmix32(hi ^ 0x5bd1e995));
    this.msPerEvent = 1000 / opts.eventTimeRate;
  }

  dateTime(j: number): number {
    return this.opts.startTs + Math.floor((j * 1000) / this.opts.eventTimeRate);
  }

  /** The next random 32-bit unsigned draw of the current event. */
  private next(): number {
    this.h = fmix32((this.h + 0x6d2b79f5) | 0);
    return this.h;
  }

  private draw(n: number): number {
    return this.next() % n;
  }

  private begin(j: number): void {
    const lo = j >>> 0;
    const hi = (j * INV_TWO_POW_32) >>> 0;
    this.h = fmix32(Math.imul(lo, 0x9e3779b1) ^ this.seedKey ^ Math.imul(hi, 0x7feb352d));
  }

  private price(): number {
    const exponent = this.draw(POW10.length);
    return (100 + this.draw(900)) * (POW10[exponent] as number);
  }

  /** A recent person (base 0), Nexmark's nextBase0PersonId. */
  private recentPerson(j: number): number {
    const numPeople = lastBase0PersonId(j) + 1;
    const active = Math.min(numPeople, this.opts.activePeople);
    return numPeople - active + this.draw(active + PERSON_ID_LEAD);
  }

  event(j: number): Rec {
    this.begin(j);
    const offset = j % TOTAL_PROPORTION;
    if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) return this.bid(j);
    return offset < PERSON_PROPORTION ? this.person(j) : this.auction(j);
  }

  private person(j: number): Rec {
    const id = FIRST_PERSON_ID + lastBase0PersonId(j);
    const first = FIRST_NAMES[this.draw(FIRST_NAMES.length)] as string;
    const last = LAST_NAMES[this.draw(LAST_NAMES.length)] as string;
    const card = [this.draw(10_000), this.draw(10_000), this.draw(10_000), this.draw(10_000)].map((n) => String(n).padStart(4, '0')).join(' ');
    return {
      type: 'person',
      id,
      name: `${first} ${last}`,
      emailAddress: `${first.toLowerCase()}.${last.toLowerCase()}${id}@nexmark.com`,
      creditCard: card,
      city: US_CITIES[this.draw(US_CITIES.length)] as string,
      state: US_STATES[this.draw(US_STATES.length)] as string,
      dateTime: this.dateTime(j),
      extra: '',
    };
  }

  private auction(j: number): Rec {
    const id = FIRST_AUCTION_ID + lastBase0AuctionId(j);
    const sellerBase0 =
      this.draw(this.opts.hotSellersRatio) > 0 ? Math.floor(lastBase0PersonId(j) / HOT_GROUP) * HOT_GROUP : this.recentPerson(j);
    const initialBid = this.price();
    const reserve = initialBid + this.price();
    const dateTime = this.dateTime(j);
    // An auction stays open for as long as `inFlightAuctions` auctions take to arrive, ±50 %.
    const meanOpenMs = (this.opts.inFlightAuctions * TOTAL_PROPORTION * this.msPerEvent) / AUCTION_PROPORTION;
    const expires = dateTime + Math.floor(meanOpenMs / 2) + this.draw(Math.max(1, Math.floor(meanOpenMs)));
    const category = FIRST_CATEGORY_ID + this.draw(NUM_CATEGORIES);
    return {
      type: 'auction',
      id,
      itemName: `item-${id}`,
      description: `auction ${id} in category ${category}`,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller: FIRST_PERSON_ID + sellerBase0,
      category,
      extra: '',
    };
  }

  private bid(j: number): Rec {
    const lastAuction = lastBase0AuctionId(j);
    let auctionBase0: number;
    if (this.draw(this.opts.hotAuctionRatio) > 0) {
      auctionBase0 = Math.floor(lastAuction / HOT_GROUP) * HOT_GROUP;
    } else {
      const min = Math.max(lastAuction - this.opts.inFlightAuctions, 0);
      auctionBase0 = min + this.draw(lastAuction - min + 1 + AUCTION_ID_LEAD);
    }
    const bidderBase0 =
      this.draw(this.opts.hotBiddersRatio) > 0 ? Math.floor(lastBase0PersonId(j) / HOT_GROUP) * HOT_GROUP + 1 : this.recentPerson(j);
    const price = this.price();
    const channel = this.draw(CHANNELS.length);
    return {
      type: 'bid',
      auction: FIRST_AUCTION_ID + auctionBase0,
      bidder: FIRST_PERSON_ID + bidderBase0,
      price,
      channel: CHANNELS[channel] as string,
      url: CHANNEL_URLS[channel] as string,
      dateTime: this.dateTime(j),
      extra: '',
    };
  }
}
