// Types of make-folder.js (plain JavaScript: the TypeScript loader needs it).
export function makeFolder(dir: string, what?: string): void;
