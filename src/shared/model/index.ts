export * from './classification.ts';
export * from './policy.ts';
export * from './roles.ts';
export * from './orgConfig.ts';
