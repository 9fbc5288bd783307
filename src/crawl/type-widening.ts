/**
 * The smallest DuckDB type that holds the values of two types, so that files whose column
 * types differ (int in one, string in another) read as one table: integers widen to wider
 * integers, then decimals or doubles; dates to timestamps; structs merge their fields; lists
 * widen their elements; anything else becomes VARCHAR. Type strings are parsed by hand
 * because DuckDB's type grammar for these few forms is small and no library speaks it.
 */
type Parsed =
  | { kind: 'scalar'; name: string }
  | { kind: 'list'; element: Parsed }
  | { kind: 'struct'; fields: Array<[string, Parsed]> };

const INTEGER_RANK: Record<string, number> = {
  TINYINT: 1,
  SMALLINT: 2,
  INTEGER: 3,
  BIGINT: 4,
  HUGEINT: 5,
};
const NULL_TYPES = new Set(['NULL', 'SQLNULL', '"NULL"']);

export function widenType(a: string, b: string): string {
  return format(widen(parse(a), parse(b)));
}

function widen(a: Parsed, b: Parsed): Parsed {
  if (a.kind === 'scalar' && NULL_TYPES.has(a.name)) return b;
  if (b.kind === 'scalar' && NULL_TYPES.has(b.name)) return a;
  if (a.kind === 'list' && b.kind === 'list')
    return { kind: 'list', element: widen(a.element, b.element) };
  if (a.kind === 'struct' && b.kind === 'struct') {
    const fields = new Map<string, Parsed>(a.fields);
    for (const [name, type] of b.fields) {
      const existing = fields.get(name);
      fields.set(name, existing ? widen(existing, type) : type);
    }
    return { kind: 'struct', fields: [...fields] };
  }
  if (a.kind !== 'scalar' || b.kind !== 'scalar') {
    const json = (p: Parsed) => p.kind === 'scalar' && p.name === 'JSON';
    return { kind: 'scalar', name: json(a) || json(b) ? 'JSON' : 'VARCHAR' };
  }
  return { kind: 'scalar', name: widenScalar(a.name, b.name) };
}

function widenScalar(a: string, b: string): string {
  if (a === b) return a;
  if (a === 'JSON' || b === 'JSON') return 'JSON';
  const ra = INTEGER_RANK[a];
  const rb = INTEGER_RANK[b];
  if (ra && rb) return ra > rb ? a : b;
  const da = decimal(a);
  const db = decimal(b);
  const floating = (t: string) => t === 'DOUBLE' || t === 'FLOAT';
  if ((ra || da || floating(a)) && (rb || db || floating(b))) {
    if (floating(a) || floating(b)) return 'DOUBLE';
    const scale = Math.max(da?.scale ?? 0, db?.scale ?? 0);
    const digits = Math.max(da ? da.precision - da.scale : 19, db ? db.precision - db.scale : 19);
    return digits + scale > 38 ? 'DOUBLE' : `DECIMAL(${digits + scale},${scale})`;
  }
  const time = [a, b].sort().join('+');
  if (time === 'DATE+TIMESTAMP') return 'TIMESTAMP';
  if (time === 'TIMESTAMP+TIMESTAMP WITH TIME ZONE' || time === 'DATE+TIMESTAMP WITH TIME ZONE')
    return 'TIMESTAMP WITH TIME ZONE';
  return 'VARCHAR';
}

function decimal(type: string): { precision: number; scale: number } | undefined {
  const match = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  return match ? { precision: Number(match[1]), scale: Number(match[2]) } : undefined;
}

function parse(type: string): Parsed {
  let pos = 0;
  const text = type.trim();
  const node = parseAt();
  return pos === text.length ? node : { kind: 'scalar', name: text };

  function parseAt(): Parsed {
    let base: Parsed;
    if (text.startsWith('STRUCT(', pos)) {
      pos += 'STRUCT('.length;
      const fields: Array<[string, Parsed]> = [];
      while (pos < text.length && text[pos] !== ')') {
        const name = parseName();
        skipSpaces();
        fields.push([name, parseAt()]);
        skipSpaces();
        if (text[pos] === ',') pos++;
        skipSpaces();
      }
      pos++;
      base = { kind: 'struct', fields };
    } else {
      // A scalar runs to the next top-level comma, closing parenthesis or `[]`.
      let depth = 0;
      const start = pos;
      while (pos < text.length) {
        const c = text[pos]!;
        if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0) break;
          depth--;
        } else if ((c === ',' && depth === 0) || (c === '[' && depth === 0)) break;
        pos++;
      }
      base = { kind: 'scalar', name: text.slice(start, pos).trim() };
    }
    while (text.startsWith('[]', pos)) {
      pos += 2;
      base = { kind: 'list', element: base };
    }
    return base;
  }

  function parseName(): string {
    skipSpaces();
    if (text[pos] === '"') {
      let name = '';
      pos++;
      while (pos < text.length) {
        if (text[pos] === '"' && text[pos + 1] === '"') {
          name += '"';
          pos += 2;
        } else if (text[pos] === '"') {
          pos++;
          break;
        } else name += text[pos++];
      }
      return name;
    }
    const start = pos;
    while (pos < text.length && text[pos] !== ' ') pos++;
    return text.slice(start, pos);
  }

  function skipSpaces(): void {
    while (text[pos] === ' ') pos++;
  }
}

function format(type: Parsed): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'list':
      return `${format(type.element)}[]`;
    case 'struct':
      return `STRUCT(${type.fields
        .map(
          ([name, t]) =>
            `${/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`} ${format(t)}`,
        )
        .join(', ')})`;
  }
}
