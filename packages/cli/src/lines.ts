/** Text lines of a byte stream as they arrive; a last line without its newline is kept until the end. */
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  let finished = false;
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      buffered += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        yield line;
      }
    }
    buffered += decoder.decode();
    if (buffered !== '') yield buffered.replace(/\r$/, '');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // A reader that stops early (watch --count) must close the connection, or it keeps
    // the process alive.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
