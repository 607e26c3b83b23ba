// Still cards rendered once by ffmpeg into a raw frame: the slate, the emergency card, listings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FfmpegTools } from './ffmpeg';
import { stillFrameArgs } from './commands';
import type { ProcessGroup } from './process';
import { frameBytes, type OutputProfile } from './profiles';

export interface StillSpec {
  background: string;
  lines: string[];
}

/** A render is one frame of a lavfi graph: this bounds a stuck one. */
const RENDER_TIMEOUT_MS = 20_000;

/** Renders a still card to one raw yuv420p frame of the profile's size (ffmpeg runs in `processes`). */
export async function renderStill(processes: ProcessGroup, tools: FfmpegTools, profile: OutputProfile, spec: StillSpec): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-still-'));
  try {
    // Text goes through files so no character needs filtergraph escaping.
    const lineFiles = spec.lines.map((line, i) => {
      const f = path.join(dir, `line-${i}.txt`);
      fs.writeFileSync(f, line);
      return f;
    });
    const args = stillFrameArgs({ profile, background: spec.background, lines: spec.lines, lineFiles });
    const frame = await processes.output('still', tools.ffmpeg, args, RENDER_TIMEOUT_MS);
    if (frame.length !== frameBytes(profile)) throw new Error(`still card came out ${frame.length} bytes, expected ${frameBytes(profile)}`);
    return frame;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Splits text into lines of at most `width` characters at word boundaries. */
export function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}
