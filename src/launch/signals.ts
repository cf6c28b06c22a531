/**
 * The one place where the primary's signal handlers live. `install` returns an uninstall
 * function that removes exactly the listeners it added (close-with-grace style).
 */
export interface SignalActions {
  /** SIGTERM / SIGINT: graceful stop; the second one forces it. */
  stop(signal: NodeJS.Signals): void;
  /** SIGHUP: rolling restart with the configuration re-read. */
  reload(): void;
}

/** Install the handlers; call the returned function to remove them. */
export function installSignalHandlers(actions: SignalActions): () => void {
  const onStop = (signal: NodeJS.Signals): void => actions.stop(signal);
  const onReload = (): void => actions.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onReload);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onReload);
  };
}
