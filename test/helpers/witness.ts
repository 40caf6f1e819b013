/**
 * Reading circom witness-generator failures in circuit tests.
 */

/**
 * The call stack of the failure a witness hit. The witness calculator never clears its error
 * text: every failed witness appends its stack ("Error in template <T>_<n> line: <l>", innermost
 * first, ending at the main component `Rollup`) to the message of every later failure. Matching
 * the whole message would also match earlier tests' failures; this is the last stack only.
 */
export function lastFailure(message: string): string {
  const lines = message.split("\n").filter((l) => l.startsWith("Error in template "));
  const ends = lines.flatMap((l, i) => (/^Error in template Rollup_\d+ /.test(l) ? [i] : []));
  if (ends.length === 0) throw new Error(`no failure stack in ${message}`);
  const from = ends.length > 1 ? ends[ends.length - 2] + 1 : 0;
  return lines.slice(from, ends[ends.length - 1] + 1).join("\n");
}
