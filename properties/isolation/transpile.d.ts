// Types of transpile.js (plain JavaScript, so that a variant's child can load it before any TypeScript).

/** Makes require() load .ts files through the transpile cache. */
export function install(): void;
/** Fills the cache for these files and everything they import locally. */
export function warm(files: readonly string[]): void;
/** Where transpiled files are kept. */
export function cacheDir(): string;
/** These files and every .ts file they import locally: [absolute path, text], sorted by path. */
export function closure(files: readonly string[]): Array<[string, string]>;
/** The installed typescript's version ('none' without it). */
export function typescriptVersion(): string;
