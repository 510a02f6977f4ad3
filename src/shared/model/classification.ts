/**
 * Classification levels are ordered integers; their labels and colours are configured per
 * organisation (DESIGN.md §5, §8). Level 0 is the lowest.
 */
export interface ClassificationLevel {
  level: number;
  /** Full marking, e.g. "SECRET" or "RESTREINT UE / EU RESTRICTED". */
  label: string;
  /** Short marking for tight places, e.g. "S". */
  short: string;
  /** Background colour of the banner (CSS colour); the text colour is chosen for contrast. */
  colour: string;
}

export const DEFAULT_CLASSIFICATIONS: readonly ClassificationLevel[] = [
  { level: 0, label: 'UNCLASSIFIED', short: 'U', colour: '#007a33' },
  { level: 1, label: 'RESTRICTED', short: 'R', colour: '#0033a0' },
  { level: 2, label: 'CONFIDENTIAL', short: 'C', colour: '#0033a0' },
  { level: 3, label: 'SECRET', short: 'S', colour: '#c8102e' },
];

export function isCleared(clearance: number, classification: number): boolean {
  return clearance >= classification;
}

export function classificationByLevel(
  levels: readonly ClassificationLevel[],
  level: number,
): ClassificationLevel | undefined {
  return levels.find((c) => c.level === level);
}
