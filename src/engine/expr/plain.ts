/**
 * CEL values back to plain JSON values: int/uint (BigInt or wrapper) → number,
 * Map → object, list → array, timestamp (Date) → epoch ms, duration → ms,
 * bytes → base64 string, optional → its value or null, type → its name.
 */
export function toPlain(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return Number(v);
    case 'undefined':
      return null;
    case 'object':
      break;
    default:
      return String(v);
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v) out[String(k)] = toPlain(val);
    return out;
  }
  if (v instanceof Date) return v.getTime();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === Object.prototype || proto === null) {
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src)) out[k] = toPlain(src[k]);
    return out;
  }
  const ctor = (proto as { constructor?: { name?: string } }).constructor?.name;
  if (ctor === 'UnsignedInt' || ctor === 'UnsignedInteger') return Number((v as { valueOf(): bigint }).valueOf());
  if (ctor === 'Duration') return Number((v as { valueOf(): number }).valueOf());
  if (ctor === 'Optional') {
    const o = v as { hasValue(): boolean; value(): unknown };
    return o.hasValue() ? toPlain(o.value()) : null;
  }
  return String(v);
}
