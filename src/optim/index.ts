export * from './names.js';
export * from './optimizers.js';
export * from './schedules.js';
