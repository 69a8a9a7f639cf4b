// Where the states of a patch or range check keep their guest_memfd file: one folder per content
// (a tree of just virt/kvm/<file>), in a temporary folder removed at the end, or, when the user
// named a reports folder, under its trees/ so that the reports written there can be replayed.

import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';

export class Snapshots {
  private readonly root: string;
  private readonly temporary: boolean;

  /** `keepIn`: the reports folder the user named; else a temporary folder. */
  constructor(keepIn?: string) {
    this.temporary = keepIn === undefined;
    this.root = keepIn === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-states-')) : path.join(keepIn, 'trees');
  }

  /** The folder of a tree holding `text` at `file` (virt/kvm/guest_memfd.c), made once per content. */
  add(file: string, text: string | Buffer): string {
    const dir = path.join(this.root, crypto.createHash('sha256').update(file).update('\0').update(text).digest('hex').slice(0, 16));
    const at = path.join(dir, file);
    if (!fs.existsSync(at)) {
      fs.mkdirSync(path.dirname(at), { recursive: true });
      const tmp = `${at}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, at);
    }
    return dir;
  }

  close(): void {
    if (this.temporary) fs.rmSync(this.root, { recursive: true, force: true });
  }
}
