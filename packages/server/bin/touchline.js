#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    console.error(`touchline: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
