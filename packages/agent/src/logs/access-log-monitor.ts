import { parseAccessLogLine } from './access-log.js';
import { ErrorRateWindow, type ErrorRateFigures, type ErrorRateOptions } from './error-rate.js';

export interface AccessLogFigures extends ErrorRateFigures {
  /** Lines seen since start, parsed or not. */
  lines: number;
  /** Lines since start that were not access-log lines. */
  malformed: number;
}

/** Feeds parsed access-log lines into an error-rate window and counts the lines it could not parse. */
export class AccessLogMonitor {
  private readonly window: ErrorRateWindow;
  private lines = 0;
  private malformed = 0;

  constructor(options: ErrorRateOptions = {}) {
    this.window = new ErrorRateWindow(options);
  }

  line(text: string): void {
    this.lines++;
    const entry = parseAccessLogLine(text);
    if (entry === null) {
      this.malformed++;
      return;
    }
    this.window.record(entry.status);
  }

  figures(): AccessLogFigures {
    return { ...this.window.figures(), lines: this.lines, malformed: this.malformed };
  }
}
