// The supervisor's case clock (properties/isolation/supervisor.js) against a child whose cases
// end right at their CPU limit: when the clock kills a child whose last case had in fact ended
// (its "end" was already in the pipe), that child runs nothing more. The next batch goes to a new
// process, and never meets the old one's death as a crash of its own ("killed by SIGKILL in the
// middle of the case", which a correct variant once got under a small --timeout).

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Reply, SyncChild } from '../properties/isolation/sync-child';

/** Says "ready"; for "case SEQ" spins `min` to `max` ms of its own CPU, then writes "end SEQ". */
const SPINNER = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double cpu_ms(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv) {
  double min = atof(argv[1]), max = atof(argv[2]);
  char line[64];
  int seq;
  srand(getpid());
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\\n");
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "case %d", &seq) != 1) continue;
    double t0 = cpu_ms(), spin = min + (max - min) * rand() / RAND_MAX;
    while (cpu_ms() - t0 < spin) {}
    printf("end %d\\n", seq);
  }
  return 0;
}
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-clock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a child the case clock killed gets no next batch: its death is never the next case\'s crash', () => {
  fs.writeFileSync(path.join(dir, 'spinner.c'), SPINNER);
  const cc = spawnSync('gcc', ['-O1', '-o', path.join(dir, 'spinner'), path.join(dir, 'spinner.c')], { encoding: 'utf8' });
  expect(cc.stderr).toBe('');
  // cases that end about when the clock looks: some are killed mid-case, some just after their end
  const child = new SyncChild({ command: path.join(dir, 'spinner'), args: ['5', '15'] });
  const kinds: Record<string, number> = {};
  try {
    for (let batch = 0; batch < 150; batch++) {
      const [reply]: Reply[] = child.exchange(['case 0'], { limitMs: 10, blockedMs: 200 });
      kinds[reply.kind] = (kinds[reply.kind] ?? 0) + 1;
    }
  } finally {
    child.close();
  }
  // the clock did kill children (the race was run), and every batch was a case's own outcome
  // (a loaded machine reads the CPU later, so fewer cases are killed: a few are enough)
  expect(kinds.hang ?? 0).toBeGreaterThan(2);
  expect(kinds.ok ?? 0).toBeGreaterThan(2);
  expect(Object.keys(kinds).sort()).toEqual(['hang', 'ok']);
}, 60_000);
