/**
 * The one message catalogue: every visible string goes through `translate`. A language is one
 * file (en.ts, fr.ts); French is typed against the English keys, so nothing can be left out.
 */
import { en, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey };
export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Record<Language, Record<MessageKey, string>> = { en, fr };

export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

export function translate(lang: Language, key: MessageKey, vars?: Vars): string {
  const template = CATALOGUES[lang][key] ?? en[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if ((LANGUAGES as readonly string[]).includes(base ?? '')) return base as Language;
  }
  return 'en';
}

/** "24 hours", "30 jours": the largest whole unit, in the reader's language. */
export function formatDuration(lang: Language, ms: number): string {
  const units: [Intl.NumberFormatOptions['unit'], number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  const abs = Math.max(0, ms);
  for (const [unit, size] of units) {
    // Prefer "36 hours" over "1 day" when it is not a whole number of days.
    if (abs >= size && (abs % size === 0 || unit === 'second' || abs >= size * 2)) {
      const value = Math.round(abs / size);
      return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
    }
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(0);
}

// Building an Intl formatter costs far more than using one; the message list formats per row.
const timeFormats = new Map<Language, Intl.DateTimeFormat>();

export function formatTime(lang: Language, ms: number): string {
  let f = timeFormats.get(lang);
  if (!f) timeFormats.set(lang, (f = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' })));
  return f.format(ms);
}
