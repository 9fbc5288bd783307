/**
 * What a rule type accepts after its name, as data: the parser checks every rule against
 * this, so an error points at the token that breaks it rather than surfacing at run time.
 */
export interface RuleSyntax {
  /** The quoted parameters: how many, and what each is called in error messages. */
  params: readonly string[];
  /** Extra quoted parameters allowed after `params` (IsPrimaryKey "a" "b" "c"). */
  repeatLastParam?: boolean;
  constraint: 'required' | 'none';
  /** Whether `with threshold <constraint>` may follow. */
  threshold: boolean;
}
