/** What a table generator gets: a way to run SQL on the generating connection, and the sizes. */
export interface GenerationContext {
  run(sql: string): Promise<void>;
  readonly people: number;
  readonly enterprises: number;
}
