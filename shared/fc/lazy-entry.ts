import type { FcContext } from './events';

type Handler<Result> = (event: Buffer, context: FcContext) => Promise<Result>;

/**
 * A function's entry file imports only this: the handler module, and the audit engine behind it,
 * load on the first invocation. Importing the entry (the runtime's cold start) then costs a
 * fraction of importing the engine (docs/benchmarks.md, coldStart); the first invocation pays the
 * rest once per instance.
 */
export function lazyHandler<Deps, Result>(
  load: () => Promise<{ createHandler(deps: Deps): Handler<Result> }>,
  deps: Deps,
): Handler<Result> {
  let loaded: Promise<Handler<Result>> | undefined;
  return async (event, context) => {
    loaded ??= load().then((module) => module.createHandler(deps));
    loaded.catch(() => {
      loaded = undefined;
    });
    return (await loaded)(event, context);
  };
}
