/**
 * A send counter over a sliding window, in fixed memory: the window is cut into
 * `BUCKETS_PER_WINDOW` buckets and the counter keeps one more, so the buckets it sums always cover
 * the whole window `(now - windowMs, now]`. Counting the oldest bucket whole errs on the strict
 * side: a limit of N per window is never exceeded for any arrival pattern (unlike the interpolated
 * fixed window, which lets up to 2N through a burst at a window edge), and the effective window is
 * at most one bucket (a tenth) longer than configured.
 */
export const BUCKETS_PER_WINDOW = 10;
const SLOTS = BUCKETS_PER_WINDOW + 1;

export class SlidingWindow {
  private readonly bucketMs: number;
  /**
   * Sends per bucket, made when sends first span two buckets. Until then every send counted is in
   * the newest bucket and `total` says it all: most counters (a phone, an IP, a subnet asked about
   * once in a window) never need the array, and a decision creates several counters, so the array
   * would be most of what each allowed send leaves for the garbage collector to copy and trace.
   * A plain array of small integers: V8 stores it unboxed, and it costs far less memory than a
   * typed array per key.
   */
  private counts: number[] | undefined = undefined;
  /** Absolute number (time / bucketMs) of the newest bucket counted. */
  private newest = Number.NEGATIVE_INFINITY;
  private total = 0;

  constructor(windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
  }

  /**
   * Takes the state of a counter kept elsewhere (a `WindowTable`'s slot), so that one window does
   * the arithmetic for every key of a table; `newestBucket`, `sent` and `bucketCounts` give it back.
   */
  load(newestBucket: number, sent: number, bucketCounts: number[] | undefined): void {
    this.newest = newestBucket;
    this.total = sent;
    this.counts = bucketCounts;
  }

  get newestBucket(): number {
    return this.newest;
  }

  /** Sends counted when the window last moved (`count` moves it first). */
  get sent(): number {
    return this.total;
  }

  get bucketCounts(): number[] | undefined {
    return this.counts;
  }

  /** Sends counted in the window ending at `nowMs`. */
  count(nowMs: number): number {
    this.advance(nowMs);
    return this.total;
  }

  add(nowMs: number): void {
    this.advance(nowMs);
    if (this.counts !== undefined) this.counts[this.newest % SLOTS]!++;
    this.total++;
  }

  /**
   * How long until one more send fits under `max`: the time at which enough of the oldest buckets
   * have left the window. A limit of 0 never admits a send; the answer is then a whole window.
   */
  msUntilRoomFor(nowMs: number, max: number): number {
    this.advance(nowMs);
    let remaining = this.total;
    if (remaining < max) return 0;
    if (max <= 0) return this.bucketMs * SLOTS;
    const counts = this.counts;
    // Without per-bucket counts every send is in the newest bucket: room comes when it leaves the window.
    if (counts === undefined) return (this.newest + SLOTS) * this.bucketMs - nowMs;
    for (let bucket = this.newest - BUCKETS_PER_WINDOW; bucket <= this.newest; bucket++) {
      remaining -= counts[bucket % SLOTS]!;
      if (remaining < max) return (bucket + SLOTS) * this.bucketMs - nowMs;
    }
    return (this.newest + SLOTS) * this.bucketMs - nowMs;
  }

  private advance(nowMs: number): void {
    const bucket = Math.floor(nowMs / this.bucketMs);
    // A clock that steps back counts into the newest bucket rather than into the past.
    if (bucket <= this.newest) return;
    if (bucket - this.newest >= SLOTS) {
      this.counts?.fill(0);
      this.total = 0;
    } else if (this.total > 0) {
      let counts = this.counts;
      if (counts === undefined) {
        // Sends so far all sit in the newest bucket; the next ones go to another.
        counts = this.counts = new Array<number>(SLOTS).fill(0);
        counts[this.newest % SLOTS] = this.total;
      }
      for (let stale = this.newest + 1; stale <= bucket; stale++) {
        this.total -= counts[stale % SLOTS]!;
        counts[stale % SLOTS] = 0;
      }
    }
    this.newest = bucket;
  }
}
