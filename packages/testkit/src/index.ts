import 'reflect-metadata';

export * from './create-test-kernel';
export * from './deep-merge';
export * from './driver-tester';
export * from './reference-driver';
