/** Gives DuckDB a local path for an object of the lake (the store's file, or a cached copy). */
export interface LocalFiles {
  localPath(key: string): Promise<string>;
}
