// The number input of every form (run cards, Advanced settings, samples, toy): a text input that
// keeps what the user types while they type, commits it on Enter and on blur through `commit`
// (which answers a refusal message or null), and puts the shown value back on Escape. A value
// changed elsewhere (a slider, the store, the worker) shows unless the user is typing. A list of
// numbers (an MLP's widths, "128, 64") is edited the same way, its `format` writing the list. The
// refusal is shown by the owner next to its control; the input carries aria-invalid and points
// at it through `describedBy`.
import { useEffect, useRef, useState } from 'react';

export interface NumberInputProps<T = number> {
  value: T; // shown (through `format`) whenever the user is not typing
  format?: (x: T) => string; // value → text; String by default
  /** Takes the typed text; answers the refusal message, or null when accepted. */
  commit(text: string): string | null;
  reformat?: boolean; // after an accepted commit show `format(value)`, not the typed text ("1e3" → "1000")
  onRevert?: () => void; // after Escape put the shown value back
  invalid?: boolean; // a refusal of this input is shown (aria-invalid)
  testId: string;
  id?: string;
  ariaLabel?: string;
  describedBy?: string;
  className?: string;
  inputMode?: 'decimal' | 'numeric' | 'text';
}

export function NumberInput<T = number>({ value, format = String, commit, reformat, onRevert, invalid, testId, id, ariaLabel, describedBy, className = 'number', inputMode = 'decimal' }: NumberInputProps<T>) {
  const shown = format(value);
  const [text, setText] = useState(shown);
  // Bumped by an accepted commit with `reformat`: the next render shows the stored value.
  const [synced, setSynced] = useState(0);
  const editing = useRef(false);

  useEffect(() => {
    if (!editing.current) setText(shown);
  }, [shown, synced]);

  // An accepted value the owner stores shows through the effect, in the render after the store
  // changed (`shown` here is this render's, the value before the commit); an unchanged value keeps
  // the typed text unless `reformat`.
  const commitText = () => {
    editing.current = false;
    if (commit(text) === null && reformat) setSynced((k) => k + 1);
  };
  return (
    <input
      id={id}
      className={className}
      type="text"
      inputMode={inputMode}
      spellCheck={false}
      data-testid={testId}
      aria-label={ariaLabel}
      aria-invalid={invalid ? true : undefined}
      aria-describedby={describedBy}
      value={text}
      onFocus={() => (editing.current = true)}
      onChange={(e) => setText(e.target.value)}
      onBlur={commitText}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commitText();
        if (e.key === 'Escape') {
          editing.current = false;
          setText(shown);
          onRevert?.();
        }
      }}
    />
  );
}
