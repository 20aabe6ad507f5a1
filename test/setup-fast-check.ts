import fc from 'fast-check';

// Property tests run with a fixed seed so `npm test` is deterministic; explore other inputs with
// FC_SEED=<number> npm test (a failure prints its seed and path to replay it).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });
