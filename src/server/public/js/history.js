// The last minutes of samples, kept in the page: a fixed-size ring buffer, oldest overwritten first.

export class RingBuffer {
  #items;
  #start = 0;
  #size = 0;

  constructor(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer (got ${capacity})`);
    this.#items = new Array(capacity);
  }

  get capacity() { return this.#items.length; }
  get size() { return this.#size; }

  push(item) {
    const capacity = this.#items.length;
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size) % capacity] = item;
      this.#size += 1;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** The item `i` places from the oldest. */
  at(i) {
    return i >= 0 && i < this.#size ? this.#items[(this.#start + i) % this.#items.length] : undefined;
  }

  /** Drops items from the oldest end while `predicate` holds for them. */
  dropWhile(predicate) {
    while (this.#size > 0 && predicate(this.#items[this.#start])) {
      this.#items[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.#items.length;
      this.#size -= 1;
    }
  }

  toArray() {
    const out = [];
    for (let i = 0; i < this.#size; i++) out.push(this.at(i));
    return out;
  }
}

/** Samples (objects with `timeMs`) of the last `spanMs`, at most `capacity` of them. */
export class History {
  constructor({ spanMs, capacity }) {
    this.spanMs = spanMs;
    this.buffer = new RingBuffer(capacity);
  }

  add(sample) {
    const last = this.buffer.at(this.buffer.size - 1);
    // The server clock is the time axis; a sample older than the last one (clock step) starts over.
    if (last && sample.timeMs < last.timeMs) this.buffer.dropWhile(() => true);
    this.buffer.push(sample);
    this.buffer.dropWhile((s) => s.timeMs < sample.timeMs - this.spanMs);
  }

  samples() {
    return this.buffer.toArray();
  }
}
