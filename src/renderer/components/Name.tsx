/**
 * A name or reason someone else chose (display name, channel name, pause reason), shown isolated
 * from the text around it: a right-to-left name cannot reorder the words next to it, and a name
 * cannot pretend to be part of the sentence it sits in. Names with invisible or control characters
 * are refused when decoded; anything stored earlier still shows them as <U+…> here, never hidden.
 */
import { Fragment } from 'react';
import { revealUnsafe } from '../../shared/model/safeText.ts';

export function Name({ text, className }: { text: string; className?: string }) {
  return (
    <bdi dir="auto" className={className ? `name ${className}` : 'name'}>
      {revealUnsafe(text)}
    </bdi>
  );
}

/** Where a translated sentence takes the name: t(key, { name: NAME_SLOT }). */
export const NAME_SLOT = '\uE000';

/** A translated sentence with a name in it, the name isolated as by <Name>. */
export function Sentence({ text, name }: { text: string; name: string }) {
  const parts = text.split(NAME_SLOT);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <Name text={name} />}
          {p}
        </Fragment>
      ))}
    </>
  );
}
