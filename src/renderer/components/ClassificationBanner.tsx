/**
 * The marking at the top and bottom of a channel view, as on paper documents: the text label is
 * always there; colour is only a second cue (DESIGN.md §8).
 */
import type { ClassificationLevel } from '../../shared/model/classification.ts';
import { textColourOn } from '../ui/contrast.ts';

export function ClassificationBanner({ level, position }: { level: ClassificationLevel; position: 'top' | 'bottom' }) {
  return (
    <div
      className={`classification-banner classification-banner--${position}`}
      role="note"
      aria-label={level.label}
      data-level={level.level}
      style={{ background: level.colour, color: textColourOn(level.colour) }}
    >
      {level.label}
    </div>
  );
}

/** A compact marking for lists: short label on the classification colour. */
export function ClassificationTag({ level }: { level: ClassificationLevel }) {
  return (
    <span className="classification-tag" title={level.label} aria-label={level.label} style={{ background: level.colour, color: textColourOn(level.colour) }}>
      {level.short}
    </span>
  );
}
