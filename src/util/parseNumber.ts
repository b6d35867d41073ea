// Number inputs: the text a user typed → a finite number, or null for anything else ("1e-3",
// " 4 " and ".5" are numbers; "", "0x10", "1,5", "Infinity" and "4k" are not).

/** Parses the text of a number input: null for anything that is not a plain finite number. */
export function parseNumberInput(text: string): number | null {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}
