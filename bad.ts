export function handler(e: any) { throw new Error("nope " + e.n); }
