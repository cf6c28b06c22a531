/** Where the repository is, for tests that look at the package as a whole (compiled to dist/test/). */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
