import type { Span } from './types.js';

/** The first character of a file: where findings about a whole file or about something absent point. */
export const FILE_START: Span = Object.freeze({ start: Object.freeze({ line: 1, column: 1 }), end: Object.freeze({ line: 1, column: 2 }) });
