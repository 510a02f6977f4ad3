/** The one typed API contract between the UI (or the CLI) and the engine (DESIGN.md §3). */
export * from './errors.ts';
export * from './schemas.ts';
export * from './methods.ts';
export * from './events.ts';
export * from './frames.ts';
export * from './ApiClient.ts';
export * from './dispatch.ts';
