/** Entry of the `valise-admin` command. */
console.error('This command is not built yet.');
process.exit(1);
