/**
 * `npm run server`: the relay's composition root. (The relay itself is built in src/server.)
 */
console.error('The Valise relay is not built yet.');
process.exit(1);
