export * from './classification.ts';
export * from './policy.ts';
export * from './roles.ts';
export * from './limits.ts';
export * from './orgConfig.ts';
