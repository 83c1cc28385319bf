export * from './refpool';
export * from './refpool-movable-ops';
export * from './refpool-driver';
export * from './refpool-harness';
