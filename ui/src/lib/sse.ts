/**
 * A server-sent-events parser for a fetch() body stream (EventSource cannot send the operator's
 * bearer header). Feed it text chunks as they arrive; it calls `onEvent` per complete event.
 * Handles LF and CRLF, events split across chunks, multi-line data and comment lines.
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export function createSseParser(onEvent: (e: SseEvent) => void): { feed(chunk: string): void } {
  let buf = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  const dispatch = () => {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
    event = '';
    data = [];
  };
  return {
    feed(chunk: string) {
      buf += chunk;
      let nl: number;
      while ((nl = buf.search(/\r\n|\n|\r/)) >= 0) {
        const line = buf.slice(0, nl);
        const sep = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
        // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
        if (buf[nl] === '\r' && nl + 1 === buf.length) break;
        buf = buf.slice(nl + sep);
        if (line === '') {
          dispatch();
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
    },
  };
}
