/** An API token: its public id, a name for people, and the SHA-256 of its secret. */
export interface ApiTokenRow {
  token_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
