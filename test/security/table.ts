/**
 * The README's attack-catalogue table, built from the outcomes of a catalogue run, and the README
 * section between its markers.
 *
 * @module
 */

/** What one target did with one attack. */
export interface Observed {
  readonly attack: string;
  readonly target: string;
  /** `401`, `Allow`, `Deny` or `error` (an answer API Gateway would turn into a 500). */
  readonly verdict: string;
  /** The decision line's reason code. */
  readonly reason: string | undefined;
}

export const START_MARKER = "<!-- attack-catalogue:start -->";
export const END_MARKER = "<!-- attack-catalogue:end -->";

const cell = (text: string): string => text.replaceAll("|", "\\|");

/**
 * One row per attack and outcome: targets with the same outcome share a row; `every JWT scheme` when all
 * of `allTargets` did the same.
 */
export function catalogueTable(observed: readonly Observed[], allTargets: readonly string[]): string {
  const lines = ["| attack | scheme(s) | outcome | reason |", "|---|---|---|---|"];
  const attacks = [...new Set(observed.map((row) => row.attack))];
  for (const attack of attacks) {
    const rows = observed.filter((row) => row.attack === attack);
    const groups = new Map<string, string[]>();
    for (const row of rows) {
      const key = `${row.verdict}\u0000${row.reason ?? ""}`;
      groups.set(key, [...(groups.get(key) ?? []), row.target]);
    }
    for (const [key, targets] of groups) {
      const [verdict = "", reason = ""] = key.split("\u0000");
      const schemes = targets.length === allTargets.length ? "every JWT scheme" : targets.join(", ");
      const outcome = verdict === "401" ? "401" : verdict === "Deny" ? "403 (Deny)" : verdict;
      lines.push(`| ${cell(attack)} | ${schemes} | ${outcome} | ${reason === "" ? "" : `\`${reason}\``} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The text between the markers (exclusive), or `undefined` when README lacks them. */
export function sectionOf(readme: string): string | undefined {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start + START_MARKER.length, end);
}

/** README with the text between the markers replaced by `\n<table>`. @throws when the markers are missing. */
export function withSection(readme: string, table: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} section`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${table}${readme.slice(end)}`;
}
