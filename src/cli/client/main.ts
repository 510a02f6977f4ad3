/** Entry of the `valise` command. */
console.error('This command is not built yet.');
process.exit(1);
