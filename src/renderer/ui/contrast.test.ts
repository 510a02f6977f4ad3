import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASSIFICATIONS } from '../../shared/model/classification.ts';
import { contrastRatio, textColourOn } from './contrast.ts';

describe('classification colours', () => {
  it('every default marking reads at WCAG AA (4.5:1) or better', () => {
    for (const c of DEFAULT_CLASSIFICATIONS) {
      expect(contrastRatio(c.colour, textColourOn(c.colour)), c.label).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('picks dark text on a light colour an organisation may configure (TOP SECRET orange)', () => {
    expect(textColourOn('#ff8c00')).toBe('#111111');
    expect(contrastRatio('#ff8c00', textColourOn('#ff8c00'))).toBeGreaterThanOrEqual(4.5);
  });
});
