// Runtime refusals the API turns into clear client errors. Each says what was refused and why.

export class CapacityError extends Error {
  override readonly name = 'CapacityError'
}

export class UnknownChannelError extends Error {
  override readonly name = 'UnknownChannelError'
}

export class UnknownAlarmError extends Error {
  override readonly name = 'UnknownAlarmError'
}

export class UnknownSessionError extends Error {
  override readonly name = 'UnknownSessionError'
}

/** A channel refused to switch mode; the unit of work it belonged to was rolled back. */
export class ChannelSwitchError extends Error {
  override readonly name = 'ChannelSwitchError'
  constructor(
    readonly channelUuid: string,
    readonly channelName: string,
    override readonly cause: unknown
  ) {
    super(
      `channel "${channelName}" (${channelUuid}) refused the switch: ${cause instanceof Error ? cause.message : String(cause)}`
    )
  }
}
