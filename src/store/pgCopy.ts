/**
 * COPY … FROM STDIN for `pg` without an extra package: `pg` accepts any "submittable" object in
 * `client.query()` and hands it the protocol messages of its turn on the connection, including
 * CopyInResponse. This one streams the rows as CopyData and resolves with the row count.
 */
import type { ClientBase } from 'pg';

/** The part of pg's Connection a submittable talks to (public methods of pg's Connection). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

const CHUNK_BYTES = 256 * 1024;

class CopyFromSubmittable {
  private rowCount = 0;
  private sourceError: unknown;
  private settled = false;
  readonly done: Promise<number>;
  private resolve!: (n: number) => void;
  private reject!: (e: unknown) => void;

  constructor(
    private readonly text: string,
    private readonly rows: AsyncIterable<string> | Iterable<string>,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    this.pump(connection).catch((err: unknown) => {
      this.sourceError = err;
      connection.sendCopyFail(err instanceof Error ? err.message : String(err));
    });
  }

  private async pump(connection: CopyConnection): Promise<void> {
    let parts: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (parts.length === 0) return;
      connection.sendCopyFromChunk(Buffer.from(parts.join(''), 'utf8'));
      parts = [];
      size = 0;
      if (connection.stream.writableNeedDrain) {
        await new Promise<void>((resolve) => connection.stream.once('drain', () => resolve()));
      }
    };
    for await (const row of this.rows) {
      // After a server-side error the backend drops further copy data; stop reading the source.
      if (this.settled) return;
      parts.push(row, '\n');
      size += row.length + 1;
      if (size >= CHUNK_BYTES) await flush();
    }
    await flush();
    if (!this.settled) connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? '');
    this.rowCount = m ? Number(m[1]) : 0;
  }

  /**
   * Settles at once: a dead connection never sends ReadyForQuery. Queries issued after this one
   * (a ROLLBACK) are queued by pg until the backend is ready again.
   */
  handleError(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // A failing row source is the root cause; the server's "COPY from stdin failed" echoes it.
    this.reject(this.sourceError !== undefined ? this.sourceError : err);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.rowCount);
  }

  // Messages a COPY FROM never produces, or that carry nothing for us.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

export async function pgCopyFrom(client: ClientBase, sql: string, rows: AsyncIterable<string> | Iterable<string>): Promise<number> {
  const submittable = new CopyFromSubmittable(sql, rows);
  // pg's typings do not describe submittables that resolve through their own promise.
  void (client as unknown as { query(s: CopyFromSubmittable): unknown }).query(submittable);
  return submittable.done;
}
