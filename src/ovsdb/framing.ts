// RFC 7047 sends JSON-RPC messages as concatenated JSON texts with no delimiter, so a
// stream must be split by tracking nesting (outside strings) until a top-level value closes.

/** Splits a byte stream into complete JSON texts (objects or arrays at the top level). */
export class JsonSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Where the scan resumes in buffer (the characters before it are already classified). */
  private scanned = 0;
  private start = -1;

  /** Feeds a chunk; returns the texts it completed, in order. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    const b = this.buffer;
    let i = this.scanned;
    for (; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true; // backslash
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          out.push(b.slice(this.start, i + 1));
          this.start = -1;
        } else if (this.depth < 0) {
          throw new Error('OVSDB stream: unbalanced closing bracket');
        }
      }
    }
    // Keep only the unfinished text.
    if (this.depth === 0) {
      this.buffer = '';
      this.scanned = 0;
    } else {
      this.buffer = b.slice(this.start);
      this.scanned = this.buffer.length;
      this.start = 0;
    }
    return out;
  }

  reset(): void {
    this.buffer = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.scanned = 0;
    this.start = -1;
  }
}
