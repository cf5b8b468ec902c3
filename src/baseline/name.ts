/** The baseline lint picks up from the current directory unless --baseline or --no-baseline says otherwise. */
export const BASELINE_FILE = '.mailharden-baseline.json';
