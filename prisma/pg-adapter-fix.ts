// The CLI-side entry point (prisma.config.ts imports it). One implementation lives with the app code,
// because the app build excludes prisma/.
export { patchAdapter, SafePrismaPgFactory } from '../src/infra/prisma/pg-adapter-fix.ts';
