/**
 * The one place where the primary's signal handlers live. They are installed before launch()
 * does anything asynchronous: a signal that arrives while the launcher starts is held, not left
 * to Node's default (which ends the process), and acted on once `attach()` gives the actions.
 * `uninstall()` removes exactly the listeners it added (close-with-grace style).
 */
export interface SignalActions {
  /** SIGTERM / SIGINT: graceful stop; the second one forces it. */
  stop(signal: NodeJS.Signals): void;
  /** SIGHUP: rolling restart with the configuration re-read. */
  reload(): void;
}

export interface SignalHandlers {
  /** From now on signals call `actions`; the ones held until now are replayed in order. */
  attach(actions: SignalActions): void;
  /** Remove the handlers (held signals are dropped). */
  uninstall(): void;
}

/** Install the handlers now; signals are held until `attach()` (or sent to `actions` at once). */
export function installSignalHandlers(actions?: SignalActions): SignalHandlers {
  let target = actions;
  const held: Array<NodeJS.Signals> = [];
  const dispatch = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGHUP') target!.reload();
    else target!.stop(signal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (target) dispatch(signal);
    // One reload is as good as several; a stop makes a held reload moot (replay skips it then).
    else if (signal !== 'SIGHUP' || !held.includes('SIGHUP')) held.push(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    attach(next) {
      target = next;
      const stopping = held.some((signal) => signal !== 'SIGHUP');
      for (const signal of held.splice(0)) if (!(stopping && signal === 'SIGHUP')) dispatch(signal);
    },
    uninstall() {
      held.length = 0;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}
