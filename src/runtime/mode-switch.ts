// Switching every channel to a new mode as one unit of work (the emergency override): the new
// state is recorded first, then each channel's producer obeys the mode. A store that cannot write
// (a full disk) refuses the switch before anything goes on air; if a channel refuses, every channel
// that switched is put back and the record is taken back, so nothing is stored. Nothing airs that
// the store did not record, and what it recorded airs. The error names the channel that refused.
// Only the ProgramDirector calls this.
import type { Logger } from 'pino'
import type { ChannelManager } from './channel-manager'
import { ChannelSwitchError } from './errors'
import type { ModeState } from './mode'

/** The stored side of a switch: one transaction each way. */
export interface ModeRecord {
  /** Stores the new mode; throws (changing nothing) when the store cannot write. */
  commit(): void
  /** Takes the stored mode back after a refusal; throws when the store cannot write. */
  undo(): void
}

/** `undoFailed`: a refusal's record could not be taken back (the store failed in between); the caller retries it. */
export async function switchEveryChannel(
  cms: ChannelManager[],
  target: ModeState,
  previous: ModeState,
  record: ModeRecord,
  log: Logger,
  undoFailed: (err: unknown) => void
): Promise<void> {
  record.commit()
  const results = await Promise.allSettled(cms.map((cm) => cm.applyMode(target)))
  const refused = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ reason: r.reason as unknown, cm: cms[i]! }] : []
  )
  if (refused.length === 0) return
  const back = await Promise.allSettled(
    cms.filter((_, i) => results[i]!.status === 'fulfilled').map((cm) => cm.applyMode(previous))
  )
  for (const b of back)
    if (b.status === 'rejected')
      log.error({ err: b.reason }, 'channel could not be put back after a refused switch')
  try {
    record.undo()
  } catch (err) {
    log.error({ err }, 'the refused switch could not be taken back in the store; retrying')
    undoFailed(err)
  }
  const first = refused[0]!
  log.error(
    { refused: refused.map((x) => x.cm.channel.slug) },
    'switch refused; every channel put back'
  )
  throw first.reason instanceof ChannelSwitchError
    ? first.reason
    : new ChannelSwitchError(first.cm.uuid, first.cm.channel.name, first.reason)
}
