// Deno's global, read only as `typeof Deno` by the development-message guard
// (errors.ts): in Deno, `process.env` throws without --allow-env. Declared
// here, not in web.d.ts, so the tests' program (which uses @types/node and
// leaves web.d.ts out) sees it too.
declare var Deno: unknown;
