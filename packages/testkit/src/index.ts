import 'reflect-metadata';

export * from './create-test-kernel';
export * from './deep-merge';
