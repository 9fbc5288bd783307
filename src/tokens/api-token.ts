/** An API token as listed: never its secret, which is shown once, when it is created. */
export interface ApiToken {
  /** Public part of the token (`lbt_<id>_...`), used to list and revoke it. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  /** When the token last authenticated a request (updated at most once a minute). */
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** A token just created: the one time its whole value is known. */
export interface CreatedApiToken extends ApiToken {
  /** `lbt_<id>_<secret>`: give it as `Authorization: Bearer <token>`. */
  readonly token: string;
}
