// Types of check-packages.mjs, for the tests that import it.
export function packageOf(spec: string): string | null;
export function specifiersOf(text: string): string[];
export function checkPackage(dir: string): string[];
export function workspaces(root: string): string[];
