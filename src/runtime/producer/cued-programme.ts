// Programming kept rolling off air under an emergency takeover. At the takeover the normal
// producer hands its output on and stops, but its engine goes on reading the sources at the
// clock's pace (dropping the frames): the programme stays cued. At the clear the new normal
// producer adopts the engine with the output, and it rejoins the air on the frame the clock says
// without starting a decoder. In an emergency every channel switches at once; a clear that
// started a decoder and sought on each of them was the slowest switch of all on a small machine.
//
// It is not a producer (it airs nothing and reports nothing); its holder (the channel's
// supervisor) closes it, which stops the engine and its decoders unless a producer took it.
import type { CuedProgramme as Cued } from './base';
import type { PlayoutEngine } from './engine';
import type { ProgramOutput } from './program-output';

export class CuedProgramme implements Cued {
  constructor(private engine: PlayoutEngine | null) {}

  /** The engine, for the producer taking `output` back on air: once, and only if it still rolls for that output. */
  take(output: ProgramOutput): PlayoutEngine | null {
    const e = this.engine;
    if (!e || !e.rollingOffAir || !e.feeds(output) || !output.live) return null;
    this.engine = null;
    return e;
  }

  async close(): Promise<void> {
    const e = this.engine;
    this.engine = null;
    await e?.stop();
  }
}
