// Where the built dashboard lives, for the server that serves it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const assetsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
