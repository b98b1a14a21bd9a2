/**
 * Runs handlers one at a time in arrival order. The watcher feeds every input that
 * changes its state through one queue, so no input is judged on a half-applied other.
 * An input that finds the queue empty starts at once, in the caller's turn (a timer's
 * input then reads the service at the timer's moment, not a tick later).
 */
export class SerialQueue<I> {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly handle: (input: I) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queues `input`; resolves once it has been handled (never rejects). */
  push(input: I): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.handle(input);
      } catch (err) {
        this.onError(err);
      } finally {
        this.pending--;
      }
    };
    const idle = this.pending === 0;
    this.pending++;
    const done = idle ? run() : this.tail.then(run);
    this.tail = done;
    return done;
  }

  get size(): number {
    return this.pending;
  }

  /** Settles once everything queued so far has been handled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
