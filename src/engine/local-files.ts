/** Gives DuckDB a local path for an object of the lake (the store's file, or a cached copy). */
export interface LocalFiles {
  localPath(key: string): Promise<string>;
  /** For data files, which never change once written: no store round trip when cached. */
  immutablePath(key: string, size: number): Promise<string>;
}
