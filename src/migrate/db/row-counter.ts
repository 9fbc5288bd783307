import { Transform } from 'node:stream';

/**
 * Counts CSV lines as they stream past, for progress bars. A quoted value holding a newline
 * counts twice: the figure is for progress only; rows loaded come from the commit.
 */
export function rowCounter(onRows: (rows: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let n = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      if (n > 0) onRows(n);
      done(null, chunk);
    },
  });
}
