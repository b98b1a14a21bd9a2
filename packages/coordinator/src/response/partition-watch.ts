/** Which hosts fell silent recently: the input to "is it them, or is it us?". */
export class PartitionWatch {
  private readonly silentAt = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  silent(hostId: string, at: number): void {
    this.silentAt.set(hostId, at);
  }

  back(hostId: string): void {
    this.silentAt.delete(hostId);
  }

  countSince(now: number): number {
    return this.hostsSince(now).length;
  }

  hostsSince(now: number): string[] {
    return [...this.silentAt.entries()].filter(([, t]) => now - t <= this.windowMs).map(([h]) => h);
  }

  reset(): void {
    this.silentAt.clear();
  }
}
