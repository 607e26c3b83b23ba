// Switching every channel to a new mode as one unit of work (the seed's emergency override): each
// channel's producer obeys the mode, and the new state is committed; or, if any channel refuses or
// the commit fails, every channel that switched is put back and nothing is stored. The error names
// the channel that refused. Only the ProgramDirector calls this.
import type { Logger } from 'pino';
import type { ChannelManager } from './channel-manager';
import { ChannelSwitchError } from './errors';
import type { ModeState } from './mode';

export async function switchEveryChannel(cms: ChannelManager[], target: ModeState, previous: ModeState, commit: () => void, log: Logger): Promise<void> {
  const results = await Promise.allSettled(cms.map((cm) => cm.applyMode(target)));
  const rollback = async () => {
    const back = await Promise.allSettled(cms.filter((_, i) => results[i]!.status === 'fulfilled').map((cm) => cm.applyMode(previous)));
    for (const b of back) if (b.status === 'rejected') log.error({ err: b.reason }, 'channel could not be put back after a refused switch');
  };
  const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [{ reason: r.reason as unknown, cm: cms[i]! }] : []));
  if (refused.length > 0) {
    await rollback();
    const first = refused[0]!;
    log.error({ refused: refused.map((x) => x.cm.channel.slug) }, 'switch refused; every channel put back');
    throw first.reason instanceof ChannelSwitchError ? first.reason : new ChannelSwitchError(first.cm.uuid, first.cm.channel.name, first.reason);
  }
  try {
    commit();
  } catch (err) {
    await rollback();
    throw err;
  }
}
