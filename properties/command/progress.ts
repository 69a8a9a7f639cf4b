// Progress of a long run on a terminal (cases done, rate, time left), redrawn in place at most
// five times a second; silent when stderr is not a terminal.

export class Progress {
  private done = 0;
  private last = 0;
  private readonly started = Date.now();

  constructor(private readonly total: number, private readonly enabled: boolean = Boolean(process.stderr.isTTY)) {}

  tick = (): void => {
    this.done++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const rate = this.done / Math.max(secs, 0.001);
    const left = Math.max(this.total - this.done, 0) / rate;
    process.stderr.write(`\r${this.done}/${this.total} cases, ${Math.round(rate)}/s, ~${Math.ceil(left)} s left   `);
  };

  finish(): void {
    if (this.enabled && this.last > 0) process.stderr.write('\r\x1b[K');
  }
}
