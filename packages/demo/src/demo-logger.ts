/** The structured log the demo reports its progress to (the server's pino logger). */
export interface DemoLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
