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
  /** SIGUSR2: hand over to a new launcher started from the code on disk (nginx's binary upgrade). */
  upgrade(): void;
}

export interface SignalHandlers {
  /** From now on signals call `actions`; the ones held until now are replayed in order. */
  attach(actions: SignalActions): void;
  /** Remove the handlers (held signals are dropped). */
  uninstall(): void;
}

/** Signals that ask for work on a running launcher: one held is as good as several, and a stop makes them moot. */
const DEFERRABLE: ReadonlySet<NodeJS.Signals> = new Set(['SIGHUP', 'SIGUSR2']);

/** Install the handlers now; signals are held until `attach()` (or sent to `actions` at once). */
export function installSignalHandlers(actions?: SignalActions): SignalHandlers {
  let target = actions;
  const held: Array<NodeJS.Signals> = [];
  const dispatch = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGHUP') target!.reload();
    else if (signal === 'SIGUSR2') target!.upgrade();
    else target!.stop(signal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (target) dispatch(signal);
    // One reload is as good as several; a stop makes a held reload moot (replay skips it then).
    else if (!DEFERRABLE.has(signal) || !held.includes(signal)) held.push(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'];
  for (const signal of signals) process.on(signal, onSignal);
  return {
    attach(next) {
      target = next;
      const stopping = held.some((signal) => !DEFERRABLE.has(signal));
      for (const signal of held.splice(0)) if (!(stopping && DEFERRABLE.has(signal))) dispatch(signal);
    },
    uninstall() {
      held.length = 0;
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
