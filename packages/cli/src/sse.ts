/** One Server-Sent Events frame (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseFrame {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Parses SSE line by line: frames end at a blank line, `:` lines are comments
 * (keep-alives), `data` lines join with newlines, a frame without `event` is "message".
 * Pure, so it is tested on captured text.
 */
export class SseParser {
  private id: string | undefined;
  private event = '';
  private data: string[] = [];
  private hasData = false;

  /** Feeds one line (without its newline); returns a frame when this line ended one. */
  line(line: string): SseFrame | undefined {
    if (line === '') {
      if (!this.hasData) {
        this.event = '';
        return undefined;
      }
      const frame = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      this.hasData = false;
      return frame;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        // retry and unknown fields: nothing to do for a command-line reader.
        break;
    }
    return undefined;
  }
}

/** Every frame of a complete SSE text. */
export function parseSse(text: string): SseFrame[] {
  const p = new SseParser();
  const frames: SseFrame[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const f = p.line(line);
    if (f) frames.push(f);
  }
  return frames;
}
