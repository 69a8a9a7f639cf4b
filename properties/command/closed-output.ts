// The command's stdout and stderr when their reader goes away (`gmem-check ... | head -1`): Node
// reports the EPIPE as an 'error' event that, unheard, ends the process with a stack trace and
// exit 1, which says a verdict differs. Heard here, it only ends the writing to that stream (Node
// drops what is written to it after): the run goes on, saves the reports it is saving whole, and
// exits as its verdicts, or its failure, say, as if the output had been read.

/** Called once by each entry point that runs the command (the bin, npm run prove). */
export function outliveClosedReaders(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}
