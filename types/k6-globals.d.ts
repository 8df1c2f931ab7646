// Globals of k6's JavaScript runtime that @types/k6 does not declare and that tsconfig.json's lib
// (ES2022, no DOM: a DOM lib would bring the browser's EventSource, MessageEvent and open) lacks.
export {};

declare global {
  /** k6's console: writes through the k6 logger. */
  var console: {
    log(...data: unknown[]): void;
    info(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
    debug(...data: unknown[]): void;
  };
}
