export const EXIT_OK = 0;
/** The job failed (or a drill's verdict is FAIL). */
export const EXIT_FAILED = 1;
/** Invalid input: a broken spec, an unknown flag, a missing file. */
export const EXIT_INVALID = 2;
