import { open, type FileHandle } from 'node:fs/promises';

/** The file operations the spool needs. */
export interface SpoolIO {
  openAppend(path: string): Promise<AppendFile>;
  syncDir(dir: string): Promise<void>;
}

export interface AppendFile {
  write(buf: Buffer, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export const nodeSpoolIO: SpoolIO = {
  async openAppend(path) {
    const fh: FileHandle = await open(path, 'a+');
    return {
      async write(buf, position) {
        let done = 0;
        while (done < buf.length) {
          const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
          done += bytesWritten;
        }
        return done;
      },
      datasync: () => fh.datasync(),
      truncate: (len) => fh.truncate(len),
      close: () => fh.close(),
    };
  },
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/** The spool is at its size cap: the sender should retry later (503 + Retry-After). */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

/** The disk refused the write (e.g. ENOSPC): nothing of the group was acknowledged. */
export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(`spool write failed: ${(cause as Error).message}`, { cause });
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}
